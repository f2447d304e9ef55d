"""The door of votes and participatory budgets: what other rooms, the API and the pages call.

Staff (permission `participation:ballots`, on the vote's subtree) create votes, move their
phases, enter and confirm paper batches and mark paper voters; residents cast one secret ballot
each (`cast_ballot`, with a `ResidentActor`); anybody reads published results.
"""

from __future__ import annotations

from linli.participation.ballots.casting import (
    VOTER_CONTEXT,
    ReceiptView,
    cast_ballot,
    check_actor,
    check_choice,
    receipt,
    require_voting,
    voter_key,
)
from linli.participation.ballots.paper import (
    Figures,
    batch_figures,
    confirm_batch,
    discard_batch,
    enter_batch,
    figures_of,
    list_batches,
    mark_paper_voter,
)
from linli.participation.ballots.results import (
    AreaTurnout,
    OptionResult,
    ResultsView,
    TurnoutView,
    fund,
    public_results,
    results,
    turnout,
)
from linli.participation.ballots.votes import (
    PERMISSION,
    VoteView,
    add_option,
    change_phase,
    create_vote,
    get_vote,
    level_name,
    list_votes,
    need_of,
    open_votes,
    view_vote,
    vote_for,
)

__all__ = [
    "PERMISSION",
    "VOTER_CONTEXT",
    "AreaTurnout",
    "Figures",
    "OptionResult",
    "ReceiptView",
    "ResultsView",
    "TurnoutView",
    "VoteView",
    "add_option",
    "batch_figures",
    "cast_ballot",
    "change_phase",
    "check_actor",
    "check_choice",
    "confirm_batch",
    "create_vote",
    "discard_batch",
    "enter_batch",
    "figures_of",
    "fund",
    "get_vote",
    "level_name",
    "list_batches",
    "list_votes",
    "mark_paper_voter",
    "need_of",
    "open_votes",
    "public_results",
    "receipt",
    "require_voting",
    "results",
    "turnout",
    "view_vote",
    "vote_for",
    "voter_key",
]
