"""Collects the blueprints for ``create_app``."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from assess.views.admin import bp as admin_bp
    from assess.views.assessments import bp as assessments_bp
    from assess.views.evidence import bp as evidence_bp
    from assess.views.main import bp as main_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(assessments_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(evidence_bp)
