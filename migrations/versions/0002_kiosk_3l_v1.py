"""Data: the three-level counter ballot KIOSK-3L version 1 exists on every database.

The definition is frozen here on purpose: version 1 never changes once votes reference it. The
loadable copy in ``survey_app/definitions/kiosk-3l.yaml`` is checked against it by a test.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DEFINITION = {'code': 'KIOSK-3L',
     'version': 1,
     'title': {'vi': 'Đánh giá mức độ hài lòng tại Bộ phận Một cửa',
               'en': 'Satisfaction at the one-stop counter'},
     'channels': ['kiosk', 'qr_counter', 'qr_receipt', 'web', 'paper'],
     'scales': {'three_level': {'options': [{'value': 'very_satisfied',
                                             'level': 'very_satisfied',
                                             'label': {'vi': 'Rất hài lòng',
                                                       'en': 'Very satisfied'}},
                                            {'value': 'satisfied',
                                             'level': 'satisfied',
                                             'label': {'vi': 'Hài lòng', 'en': 'Satisfied'}},
                                            {'value': 'not_satisfied',
                                             'level': 'not_satisfied',
                                             'label': {'vi': 'Chưa hài lòng',
                                                       'en': 'Not satisfied'}}],
                                'satisfied': ['very_satisfied', 'satisfied']},
                'reasons': {'options': [{'value': 'waiting_time',
                                         'label': {'vi': 'Thời gian chờ đợi',
                                                   'en': 'Waiting time'}},
                                        {'value': 'staff_attitude',
                                         'label': {'vi': 'Thái độ công chức',
                                                   'en': 'Staff attitude'}},
                                        {'value': 'procedure',
                                         'label': {'vi': 'Thủ tục, giấy tờ',
                                                   'en': 'Procedure and paperwork'}},
                                        {'value': 'fees',
                                         'label': {'vi': 'Phí, lệ phí', 'en': 'Fees'}},
                                        {'value': 'facilities',
                                         'label': {'vi': 'Cơ sở vật chất', 'en': 'Facilities'}},
                                        {'value': 'other',
                                         'label': {'vi': 'Lý do khác', 'en': 'Other'}}]}},
     'sections': [{'code': 'main',
                   'items': [{'code': 'overall',
                              'kind': 'three_level',
                              'scale': 'three_level',
                              'required': True,
                              'overall': True,
                              'label': {'vi': 'Ông/Bà có hài lòng với việc giải quyết thủ tục hành '
                                              'chính hôm nay không?',
                                        'en': 'Are you satisfied with how your application was '
                                              'handled today?'}},
                             {'code': 'reasons',
                              'kind': 'multiple_choice',
                              'scale': 'reasons',
                              'when': {'item': 'overall', 'in': ['not_satisfied']},
                              'label': {'vi': 'Vì sao Ông/Bà chưa hài lòng?',
                                        'en': 'Why were you not satisfied?'}},
                             {'code': 'comment',
                              'kind': 'long_text',
                              'max_length': 1000,
                              'when': {'item': 'overall', 'in': ['not_satisfied']},
                              'label': {'vi': 'Góp ý thêm (không bắt buộc)',
                                        'en': 'Further comments (optional)'}}]}]}

ITEMS = [
    # code, position, kind, required
    ("overall", 1, "three_level", True),
    ("reasons", 2, "multiple_choice", False),
    ("comment", 3, "long_text", False),
]


def upgrade() -> None:
    questionnaire = sa.table(
        "questionnaire",
        sa.column("id", sa.Integer), sa.column("code", sa.String), sa.column("version", sa.Integer),
        sa.column("title", sa.String), sa.column("definition", sa.JSON),
        sa.column("content_hash", sa.String), sa.column("created_at", sa.DateTime(timezone=True)),
    )
    item = sa.table(
        "questionnaire_item",
        sa.column("questionnaire_id", sa.Integer), sa.column("code", sa.String),
        sa.column("position", sa.Integer), sa.column("kind", sa.String),
        sa.column("label", sa.Text), sa.column("required", sa.Boolean),
        sa.column("element", sa.String),
    )
    canonical = json.dumps(DEFINITION, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    bind = op.get_bind()
    now = datetime.now(timezone.utc)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    result = bind.execute(
        questionnaire.insert().values(
            code="KIOSK-3L", version=1, title=DEFINITION["title"]["vi"], definition=DEFINITION,
            content_hash=hashlib.sha256(canonical.encode()).hexdigest(), created_at=now,
        ).returning(questionnaire.c.id)
    )
    qid = result.scalar_one()
    labels = {i["code"]: i["label"]["vi"] for i in DEFINITION["sections"][0]["items"]}
    bind.execute(item.insert(), [
        dict(questionnaire_id=qid, code=code, position=pos, kind=kind, label=labels[code],
             required=required, element=None)
        for code, pos, kind, required in ITEMS
    ])


def downgrade() -> None:
    bind = op.get_bind()
    qid = bind.execute(sa.text(
        "SELECT id FROM questionnaire WHERE code = 'KIOSK-3L' AND version = 1")).scalar()
    if qid is not None:
        bind.execute(sa.text("DELETE FROM questionnaire_item WHERE questionnaire_id = :q"), {"q": qid})
        bind.execute(sa.text("DELETE FROM questionnaire WHERE id = :q"), {"q": qid})
