"""Every route handler of the application, in one list for ``create_app``."""

from __future__ import annotations

from typing import Any

from assembly.accounts.controllers import AccountController, PasswordLinkController
from assembly.admin.controllers import AccountAdminController
from assembly.api.controllers import ApiController, TokenPagesController
from assembly.assemblies.controllers import ManageAssemblyController, PublicAssemblyListController
from assembly.audit.controllers import AdminAuditController, AssemblyAuditController
from assembly.ballots.controllers import BallotController
from assembly.budgets.controllers import BudgetCostsController
from assembly.catalogue.controllers import CatalogueController
from assembly.exports.controllers import ResearchController
from assembly.invitations.controllers import InvitationController
from assembly.languages.controllers import TranslationController
from assembly.meetings.controllers import ManageMeetingController
from assembly.meetings.controllers_room import MeetingRoomController
from assembly.moderation.controllers import ModerationController
from assembly.participants.controllers import AssemblyPageController, JoinController
from assembly.proposals.controllers import TopicController
from assembly.questionnaires.controllers import (
    PaperQuestionnaireController,
    QuestionnaireController,
    ResearchQuestionnaireController,
)
from assembly.recommendations.controllers import RecommendationController
from assembly.recommendations.controllers_manage import ManageDraftingController
from assembly.recommendations.controllers_report import ReportController
from assembly.recommendations.controllers_votes import RecommendationVoteController
from assembly.responses.controllers import ResponderController, TrackerController
from assembly.retention.controllers import EraseController, YourDataController
from assembly.site.controllers import SiteController
from assembly.site.controllers_legal import LegalController
from assembly.sortition.controllers import SortitionController
from assembly.summaries.controllers import ManageSummaryController, SummaryController
from assembly.tables.controllers import TablesController
from assembly.topics.controllers import (
    ManageTopicController,
    PaperBallotController,
    PresentController,
)

WEB_HANDLERS: list[Any] = [
    SiteController,
    LegalController,
    AccountController,
    CatalogueController,
]
WEB_HANDLERS += [JoinController, AssemblyPageController, TopicController, BallotController]
WEB_HANDLERS += [ManageAssemblyController, ManageTopicController, PaperBallotController]
WEB_HANDLERS += [InvitationController, ModerationController, PresentController]
WEB_HANDLERS += [PublicAssemblyListController, BudgetCostsController]
WEB_HANDLERS += [SummaryController, ManageSummaryController]
WEB_HANDLERS += [TokenPagesController, ResearchController]
WEB_HANDLERS += [SortitionController, TablesController]
WEB_HANDLERS += [PasswordLinkController, AccountAdminController]
WEB_HANDLERS += [AssemblyAuditController, AdminAuditController]
WEB_HANDLERS += [RecommendationController, RecommendationVoteController, ManageDraftingController]
WEB_HANDLERS += [ReportController, ResponderController, TrackerController]
WEB_HANDLERS += [YourDataController, EraseController]
WEB_HANDLERS += [ManageMeetingController, MeetingRoomController]
WEB_HANDLERS += [ResearchQuestionnaireController, QuestionnaireController]
WEB_HANDLERS += [TranslationController]
WEB_HANDLERS += [PaperQuestionnaireController]
API_HANDLERS: list[Any] = [ApiController]
