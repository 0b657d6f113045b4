"""Pure rules of the product (DOMAIN.md): no Flask, no SQLAlchemy, stdlib only."""
