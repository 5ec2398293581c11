"""Collects the blueprints for ``create_app``."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from assess.views.assessments import bp as assessments_bp
    from assess.views.main import bp as main_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(assessments_bp)
