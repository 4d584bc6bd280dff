from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JudgingConfig(AppConfig):
    name = "judging"
    verbose_name = _("Judging")

    def ready(self) -> None:
        """Plug judging into the contest without contest importing judging (the data flows
        one way). Judging owns no transition: it adds guards to three of them, makes the
        assignments when judging starts, re-balances them when the judges change, adds
        sections to three pages, and an earlier, judged contest to the demo."""
        from contest import extensions
        from contest.models import Contest
        from judging import rules, sections
        from judging.assign import services as assign
        from judging.demo import seed_earlier_contest

        extensions.register_transition_guard(Contest.Status.JUDGING, rules.judging_guard)
        extensions.register_transition_guard(Contest.Status.RESULTS, rules.results_guard)
        extensions.register_transition_guard(Contest.Status.PUBLISHED, rules.publish_guard)
        extensions.register_transition_effect(Contest.Status.JUDGING, assign.assignments_make)
        extensions.register_judges_changed_effect(assign.assignments_rebalance)
        extensions.register_section(
            extensions.HOME, "judging/sections/home.html", sections.judge_home
        )
        extensions.register_section(
            extensions.ORGANISER_DASHBOARD,
            "judging/sections/organiser_dashboard.html",
            sections.organiser_dashboard,
        )
        extensions.register_entry_section(
            "judging/sections/entrant_scores.html", sections.entrant_scores
        )
        extensions.register_demo_step(seed_earlier_contest)
