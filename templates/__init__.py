"""gdanim's built-in report theme: Jinja2 templates and static assets (installed as gdanim_templates)."""
