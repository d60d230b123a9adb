from django.apps import AppConfig


class AssignmentConfig(AppConfig):
    name = "assignment"
    verbose_name = "Assignment and first-response SLAs"

    def ready(self) -> None:
        # Every lead captured anywhere gets its owner and its clock here (leads.hooks).
        from assignment import services
        from leads import hooks

        hooks.on_prepare(services.lead_prepare)
        hooks.on_captured(services.lead_captured)
