"""Collects the blueprints for ``create_app``."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from assess.views.account import bp as account_bp
    from assess.views.admin import bp as admin_bp
    from assess.views.assessments import bp as assessments_bp
    from assess.views.audit import bp as audit_bp
    from assess.views.comments import bp as comments_bp
    from assess.views.corrections import bp as corrections_bp
    from assess.views.cycles import bp as cycles_bp
    from assess.views.dashboard import bp as dashboard_bp
    from assess.views.evidence import bp as evidence_bp
    from assess.views.exports import bp as exports_bp
    from assess.views.inbox import bp as inbox_bp
    from assess.views.invitations import bp as invitations_bp
    from assess.views.main import bp as main_bp
    from assess.views.operator import bp as operator_bp
    from assess.views.pembina import bp as pembina_bp
    from assess.views.review import bp as review_bp
    from assess.views.verdicts import bp as verdicts_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(assessments_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(evidence_bp)
    app.register_blueprint(comments_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(cycles_bp)
    app.register_blueprint(corrections_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(pembina_bp)
    app.register_blueprint(operator_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(verdicts_bp)
