"""The OpenAPI document covers every API route, and real responses validate against it."""

from __future__ import annotations

import re

import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from tests.factories import load_small_index, vote


def _schema_for(doc, path, method, status):
    content = doc["paths"][path][method]["responses"][str(status)].get("content")
    if content is None:
        return None
    return content["application/json"]["schema"]


def _validate(doc, instance, schema):
    """Validate against a schema whose $refs point into the OpenAPI document."""
    registry = Registry().with_resource("urn:openapi", DRAFT202012.create_resource(doc))
    jsonschema.Draft202012Validator(_rebase(schema), registry=registry).validate(instance)


def _rebase(node):
    if isinstance(node, dict):
        return {k: ("urn:openapi" + v if k == "$ref" and v.startswith("#") else _rebase(v))
                for k, v in node.items()}
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node


def test_every_api_route_is_documented(app, client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    routed = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules() if rule.rule.startswith(("/api/v1", "/kiosk/api"))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    assert routed == documented


def test_responses_validate_against_the_document(client, world):
    doc = client.get("/api/v1/openapi.json").json
    auth = world.auth(world.device_token)
    body = vote("not_satisfied", answers={"overall": "not_satisfied", "reasons": ["fees"]})
    cases = [
        ("/api/v1/votes", "post", client.post("/api/v1/votes", json=body, headers=auth)),
        ("/api/v1/votes", "post", client.post("/api/v1/votes", json=body, headers=auth)),
        ("/api/v1/votes", "post", client.post("/api/v1/votes", json={**body, "answers": {}},
                                              headers=auth)),
        ("/api/v1/votes", "post", client.post("/api/v1/votes", json=vote())),
        ("/api/v1/figures", "get", client.get(
            "/api/v1/figures?unit=HC&from=2026-01-01&to=2026-12-31",
            headers=world.auth(world.admin_token))),
        ("/api/v1/figures", "get", client.get(
            "/api/v1/figures?unit=LC&from=2026-01-01&to=2026-12-31",
            headers=world.auth(world.officer_token))),
        ("/api/v1/figures", "get", client.get("/api/v1/figures?unit=HC",
                                              headers=world.auth(world.admin_token))),
        ("/api/v1/units", "get", client.get("/api/v1/units")),
        ("/api/v1/receipt-tokens", "post", client.post(
            "/api/v1/receipt-tokens", json={"unit": "HC", "dossier": "HS-1"},
            headers=world.auth(world.clerk_token))),
        ("/api/v1/receipt-tokens", "post", client.post(
            "/api/v1/receipt-tokens", json={"unit": "HC", "dossier": "HS-1"},
            headers=world.auth(world.clerk_token))),
        ("/api/v1/receipt-tokens", "post", client.post(
            "/api/v1/receipt-tokens", json={"unit": "HC"}, headers=world.auth(world.clerk_token))),
        ("/api/v1/figures/items", "get", client.get(
            "/api/v1/figures/items?unit=HC&from=2026-01-01&to=2026-12-31"
            "&questionnaire=KIOSK-3L", headers=world.auth(world.admin_token))),
        ("/api/v1/figures/items", "get", client.get(
            "/api/v1/figures/items?unit=HC&from=2026-01-01&to=2026-12-31",
            headers=world.auth(world.admin_token))),
    ]
    seen = set()
    for path, method, response in cases:
        schema = _schema_for(doc, path, method, response.status_code)
        assert schema is not None, (path, response.status_code)
        _validate(doc, response.json, schema)
        seen.add((path, response.status_code))
    assert {s for _, s in seen} >= {200, 201, 401, 403, 422}
    # the VoteIn schema describes the request we actually send
    _validate(doc, body, {"$ref": "#/components/schemas/VoteIn"})


def test_index_responses_validate_against_the_document(client, session, world):
    load_small_index(session)
    doc = client.get("/api/v1/openapi.json").json
    ranking = "/api/v1/index/{code}/{year}"
    satisfaction = ranking + "/satisfaction"
    admin, officer = world.auth(world.admin_token), world.auth(world.officer_token)
    cases = [
        (ranking, client.get("/api/v1/index/DN-PAR/2026", headers=admin)),
        (ranking, client.get("/api/v1/index/DN-PAR/2026", headers=officer)),
        (ranking, client.get("/api/v1/index/DN-PAR/2026")),
        (ranking, client.get("/api/v1/index/DN-PAR/2026", headers=world.auth(world.clerk_token))),
        (ranking, client.get("/api/v1/index/DN-PAR/2011", headers=admin)),
        (ranking, client.get("/api/v1/index/DN-PAR/2026?block=1", headers=admin)),
        (satisfaction, client.get("/api/v1/index/DN-PAR/2026/satisfaction", headers=admin)),
        (satisfaction, client.get("/api/v1/index/DN-PAR/2026/satisfaction", headers=officer)),
    ]
    statuses = set()
    for path, response in cases:
        schema = _schema_for(doc, path, "get", response.status_code)
        assert schema is not None, (path, response.status_code)
        _validate(doc, response.json, schema)
        statuses.add(response.status_code)
    assert statuses == {200, 401, 403, 404, 422}
