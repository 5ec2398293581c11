"""Unbound extension singletons, bound to the app in ``create_app``."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_security import Security
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from assess.account_mail import SecurityMailUtil
from assess.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()
security = Security(mail_util_cls=SecurityMailUtil)
limiter = Limiter(key_func=get_remote_address, default_limits=[])
