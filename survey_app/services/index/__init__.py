"""The index (bộ chỉ số) as a use case: load schemes, gather every input, score, rank, publish.

The rules are in :mod:`survey_app.domain.index`; this package only fetches what they need, one
module per job:

- :mod:`.schemes`: load (validate, create or replace) and list stored schemes;
- :mod:`.hand_scores`: hand scores and bonus entries from the admin pages, and what may be
  scored by hand (``index scores import`` is :mod:`survey_app.services.index_imports`);
- :mod:`.inputs`: the inputs of computed components (satisfaction tallies, live or from a closed
  period's snapshot; dossier counts; officials' survey answers);
- :mod:`.publication`: scoring a scheme year against last year's totals, the published JSON
  documents and the ranking table the renderers in :mod:`reports` lay out.

Services flush and never commit; the command or request commits once. The names the web pages,
the API and the ``index`` commands call are re-exported here.
"""

from __future__ import annotations

from .hand_scores import (
    add_bonus,
    component_problem,
    delete_bonus,
    hand_components,
    not_applicable_problem,
    set_hand_score,
    unit_entries,
)
from .publication import (
    IndexReport,
    index_document,
    ranking_table,
    satisfaction_document,
    score_index,
)
from .schemes import SchemeLoadError, load_scheme, scheme_row, scheme_rows

__all__ = [
    "IndexReport",
    "SchemeLoadError",
    "add_bonus",
    "component_problem",
    "delete_bonus",
    "hand_components",
    "index_document",
    "load_scheme",
    "not_applicable_problem",
    "ranking_table",
    "satisfaction_document",
    "scheme_row",
    "scheme_rows",
    "score_index",
    "set_hand_score",
    "unit_entries",
]
