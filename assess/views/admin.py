"""Administration of an instansi by its admins: profile, units (OPD) and users.

Every page lives under ``/admin/<instansi_id>/``; whoever is not an admin of that instansi gets a 404,
as do units and users of another instansi.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import cast

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_security import auth_required, current_user
from werkzeug.wrappers import Response

from assess import permissions as perm
from assess.extensions import db
from assess.models import Instansi, InstansiKind, Unit, User
from assess.services import admin as service
from assess.services import directory
from assess.views.boundary import attempt
from assess.views.util import page_arg
from forms.admin import (
    KIND_LABELS,
    ROLE_HINTS,
    ROLE_LABELS,
    ConfirmForm,
    DirectoryApplyForm,
    DirectoryUploadForm,
    InstansiForm,
    LogoForm,
    PasswordResetForm,
    UnitForm,
    UserCreateForm,
    UserEditForm,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")


# -- helpers ---------------------------------------------------------------------------------------


def _me() -> User:
    return cast(User, current_user)


def _administered(instansi_id: int) -> Instansi:
    """The instansi, when the current user is its admin; a 404 otherwise (never a 403)."""
    if not perm.can_administer(_me(), instansi_id):
        abort(404)
    instansi = db.session.get(Instansi, instansi_id)
    if instansi is None:
        abort(404)
    return instansi


def _unit(instansi: Instansi, unit_id: int) -> Unit:
    unit = service.load_unit(instansi=instansi, unit_id=unit_id)
    if unit is None:
        abort(404)
    return unit


def _member(instansi: Instansi, user_id: int) -> User:
    user = service.load_member(instansi=instansi, user_id=user_id)
    if user is None:
        abort(404)
    return user


def _unit_choices(units: Sequence[Unit], *, keep: Collection[int] = ()) -> list[tuple[int, str]]:
    """Checkbox choices: the active units, plus inactive ones the user already belongs to."""
    choices = []
    for unit in units:
        if unit.active or unit.id in keep:
            label = _("%(name)s (%(short)s)", name=unit.name, short=unit.short_name) if unit.short_name else unit.name
            choices.append((unit.id, label if unit.active else _("%(label)s — nonaktif", label=label)))
    return choices


def _password_once(instansi: Instansi, user: User, password: str, *, new_user: bool) -> Response:
    """The generated password, rendered straight in the POST's answer: never stored, never cached."""
    page = _render("password_once.html", instansi, user=user, password=password, new_user=new_user, section="users")
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


def _render(template: str, instansi: Instansi, **context: object) -> str:
    return render_template(
        f"admin/{template}",
        instansi=instansi,
        role_labels=ROLE_LABELS,
        role_hints=ROLE_HINTS,
        kind_labels=KIND_LABELS,
        **context,
    )


# -- the instansi ----------------------------------------------------------------------------------


@bp.get("/")
@auth_required()
def index() -> Response | str:
    administered = service.administered_instansi(_me())
    if not administered:
        abort(404)
    if len(administered) == 1:
        return redirect(url_for(".profile", instansi_id=administered[0].id))
    return render_template("admin/index.html", administered=administered, kind_labels=KIND_LABELS)


@bp.route("/<int:instansi_id>/", methods=["GET", "POST"])
@auth_required()
def profile(instansi_id: int) -> Response | str:
    instansi = _administered(instansi_id)
    form = InstansiForm(obj=instansi)
    if form.validate_on_submit():
        outcome = attempt(
            lambda: service.update_instansi(instansi=instansi, name=form.name.data, kind=InstansiKind(form.kind.data)),
            done=_("Profil instansi disimpan."),
            form=form,
        )
        if outcome.ok:
            return redirect(url_for(".profile", instansi_id=instansi.id))
    return _render("profile.html", instansi, form=form, section="profile", logo_form=LogoForm())


@bp.post("/<int:instansi_id>/logo")
@auth_required()
def logo_upload(instansi_id: int) -> Response:
    instansi = _administered(instansi_id)
    form = LogoForm()
    file = request.files.get("logo")
    if not form.validate_on_submit() or file is None or not file.filename:
        flash(_("Pilih berkas gambar logo (PNG atau JPEG)."), "error")
        return redirect(url_for(".profile", instansi_id=instansi.id))
    stream, filename, storage = file.stream, file.filename, current_app.extensions["storage"]
    attempt(
        lambda: service.set_logo(instansi=instansi, stream=stream, filename=filename, storage=storage),
        done=_("Logo instansi disimpan."),
    )
    return redirect(url_for(".profile", instansi_id=instansi.id))


@bp.post("/<int:instansi_id>/logo/hapus")
@auth_required()
def logo_remove(instansi_id: int) -> Response:
    instansi = _administered(instansi_id)
    if LogoForm().validate_on_submit():
        attempt(lambda: service.remove_logo(instansi=instansi), done=_("Logo instansi dihapus."))
    return redirect(url_for(".profile", instansi_id=instansi.id))


# -- units -----------------------------------------------------------------------------------------


@bp.get("/<int:instansi_id>/unit/")
@auth_required()
def units(instansi_id: int) -> str:
    instansi = _administered(instansi_id)
    rows = service.units_with_member_counts(instansi)
    return _render("units.html", instansi, rows=rows, action_form=ConfirmForm(), section="units")


@bp.route("/<int:instansi_id>/unit/baru", methods=["GET", "POST"])
@auth_required()
def unit_new(instansi_id: int) -> Response | str:
    instansi = _administered(instansi_id)
    form = UnitForm()
    if form.validate_on_submit():
        outcome = attempt(
            lambda: service.create_unit(instansi=instansi, name=form.name.data, short_name=form.short_name.data),
            done=_("Unit disimpan."),
            form=form,
        )
        if outcome.ok:
            return redirect(url_for(".units", instansi_id=instansi.id))
    return _render("unit_form.html", instansi, form=form, unit=None, section="units")


@bp.route("/<int:instansi_id>/unit/<int:unit_id>", methods=["GET", "POST"])
@auth_required()
def unit_edit(instansi_id: int, unit_id: int) -> Response | str:
    instansi = _administered(instansi_id)
    unit = _unit(instansi, unit_id)
    form = UnitForm(obj=unit)
    if form.validate_on_submit():
        outcome = attempt(
            lambda: service.update_unit(unit=unit, name=form.name.data, short_name=form.short_name.data),
            done=_("Unit disimpan."),
            form=form,
        )
        if outcome.ok:
            return redirect(url_for(".units", instansi_id=instansi.id))
    return _render("unit_form.html", instansi, form=form, unit=unit, section="units")


@bp.route("/<int:instansi_id>/unit/<int:unit_id>/nonaktifkan", methods=["GET", "POST"])
@auth_required()
def unit_deactivate(instansi_id: int, unit_id: int) -> Response | str:
    instansi = _administered(instansi_id)
    unit = _unit(instansi, unit_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        outcome = attempt(
            lambda: service.set_unit_active(unit=unit, active=False),
            done=_("Unit %(name)s dinonaktifkan.", name=unit.name),
            form=form,
        )
        if outcome.ok:
            return redirect(url_for(".units", instansi_id=instansi.id))
    return _render("unit_deactivate.html", instansi, form=form, unit=unit, section="units")


@bp.post("/<int:instansi_id>/unit/<int:unit_id>/aktifkan")
@auth_required()
def unit_activate(instansi_id: int, unit_id: int) -> Response:
    instansi = _administered(instansi_id)
    unit = _unit(instansi, unit_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attempt(
        lambda: service.set_unit_active(unit=unit, active=True),
        done=_("Unit %(name)s diaktifkan kembali.", name=unit.name),
    )
    return redirect(url_for(".units", instansi_id=instansi.id))


# -- users -----------------------------------------------------------------------------------------


@bp.get("/<int:instansi_id>/pengguna/")
@auth_required()
def users(instansi_id: int) -> str:
    instansi = _administered(instansi_id)
    search = request.args.get("q", "")
    page = page_arg("page")
    pagination, rows = service.member_page(instansi=instansi, search=search, page=page)
    return _render("users.html", instansi, rows=rows, pagination=pagination, search=search, section="users")


@bp.route("/<int:instansi_id>/pengguna/baru", methods=["GET", "POST"])
@auth_required()
def user_new(instansi_id: int) -> Response | str:
    instansi = _administered(instansi_id)
    form = UserCreateForm(unit_choices=_unit_choices(service.units_of(instansi)))
    if form.validate_on_submit():
        outcome = attempt(
            lambda: service.create_member(
                instansi=instansi,
                email=form.email.data,
                name=form.name.data,
                roles=form.roles.data,
                unit_ids=form.units.data,
                password=form.password.data or None,
            ),
            form=form,
        )
        created = outcome.result
        if created is not None:
            if created.generated_password:
                return _password_once(instansi, created.user, created.generated_password, new_user=True)
            flash(_("Pengguna %(email)s dibuat.", email=created.user.email), "success")
            return redirect(url_for(".users", instansi_id=instansi.id))
    return _render("user_new.html", instansi, form=form, section="users")


@bp.route("/<int:instansi_id>/pengguna/<int:user_id>", methods=["GET", "POST"])
@auth_required()
def user_edit(instansi_id: int, user_id: int) -> Response | str:
    instansi = _administered(instansi_id)
    user = _member(instansi, user_id)
    row = service.member_row(instansi, user)
    form = UserEditForm(unit_choices=_unit_choices(service.units_of(instansi), keep={u.id for u in row.units}))
    if request.method == "GET":
        form.roles.data = [role.value for role in row.roles]
        form.units.data = [unit.id for unit in row.units]
    if form.validate_on_submit():
        outcome = attempt(
            lambda: service.update_member(
                instansi=instansi, actor=_me(), user=user, roles=form.roles.data, unit_ids=form.units.data
            ),
            done=_("Peran dan unit disimpan."),
            form=form,
        )
        if outcome.ok:
            return redirect(url_for(".user_edit", instansi_id=instansi.id, user_id=user.id))
    return _render(
        "user_edit.html",
        instansi,
        form=form,
        row=row,
        is_self=user.id == _me().id,
        action_form=ConfirmForm(),
        section="users",
    )


@bp.route("/<int:instansi_id>/pengguna/<int:user_id>/kata-sandi", methods=["GET", "POST"])
@auth_required()
def user_password(instansi_id: int, user_id: int) -> Response | str:
    instansi = _administered(instansi_id)
    user = _member(instansi, user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        outcome = attempt(
            lambda: service.reset_member_password(
                instansi=instansi, actor=_me(), user=user, password=form.password.data or None
            ),
            form=form,
        )
        if outcome.ok:
            generated = outcome.result
            if generated:
                return _password_once(instansi, user, generated, new_user=False)
            flash(_("Kata sandi %(email)s diganti.", email=user.email), "success")
            return redirect(url_for(".user_edit", instansi_id=instansi.id, user_id=user.id))
    return _render(
        "user_password.html",
        instansi,
        form=form,
        user=user,
        is_self=user.id == _me().id,
        elsewhere=service.holds_roles_elsewhere(user, instansi),
        section="users",
    )


@bp.route("/<int:instansi_id>/pengguna/<int:user_id>/nonaktifkan", methods=["GET", "POST"])
@auth_required()
def user_deactivate(instansi_id: int, user_id: int) -> Response | str:
    instansi = _administered(instansi_id)
    user = _member(instansi, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        outcome = attempt(
            lambda: service.deactivate_member(instansi=instansi, actor=_me(), user=user),
            done=_("Akun %(email)s dinonaktifkan.", email=user.email),
            form=form,
        )
        if outcome.ok:
            return redirect(url_for(".users", instansi_id=instansi.id))
    return _render(
        "user_deactivate.html",
        instansi,
        form=form,
        user=user,
        is_self=user.id == _me().id,
        elsewhere=service.holds_roles_elsewhere(user, instansi),
        section="users",
    )


@bp.post("/<int:instansi_id>/pengguna/<int:user_id>/aktifkan")
@auth_required()
def user_activate(instansi_id: int, user_id: int) -> Response:
    instansi = _administered(instansi_id)
    user = _member(instansi, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    attempt(
        lambda: service.activate_member(instansi=instansi, actor=_me(), user=user),
        done=_("Akun %(email)s diaktifkan kembali.", email=user.email),
    )
    return redirect(url_for(".user_edit", instansi_id=instansi.id, user_id=user.id))


@bp.route("/<int:instansi_id>/pengguna/<int:user_id>/keluarkan", methods=["GET", "POST"])
@auth_required()
def user_remove(instansi_id: int, user_id: int) -> Response | str:
    instansi = _administered(instansi_id)
    user = _member(instansi, user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        outcome = attempt(
            lambda: service.remove_member(instansi=instansi, actor=_me(), user=user),
            done=_("%(email)s dikeluarkan dari %(instansi)s.", email=user.email, instansi=instansi.name),
            form=form,
        )
        if outcome.ok:
            return redirect(url_for(".users", instansi_id=instansi.id))
    return _render(
        "user_remove.html",
        instansi,
        form=form,
        user=user,
        is_self=user.id == _me().id,
        elsewhere=service.holds_roles_elsewhere(user, instansi),
        section="users",
    )


# -- importing units and users from a file -------------------------------------------------------------


def _template_csv(text: str, name: str) -> Response:
    return Response(
        text.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


def _no_store(page: str, status: int = 200) -> Response:
    response = make_response(page, status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:instansi_id>/unit/impor/templat.csv")
@auth_required()
def units_import_template(instansi_id: int) -> Response:
    _administered(instansi_id)
    return _template_csv(directory.UNIT_TEMPLATE, "templat-unit.csv")


@bp.get("/<int:instansi_id>/pengguna/impor/templat.csv")
@auth_required()
def users_import_template(instansi_id: int) -> Response:
    _administered(instansi_id)
    return _template_csv(directory.USER_TEMPLATE, "templat-pengguna.csv")


@bp.route("/<int:instansi_id>/unit/impor", methods=["GET", "POST"])
@auth_required()
def units_import(instansi_id: int) -> Response | str:
    instansi = _administered(instansi_id)
    form = DirectoryUploadForm()
    if form.validate_on_submit():
        data, filename = form.file.data.read(), form.file.data.filename or ""
        preview = attempt(lambda: directory.preview_units(instansi, data, filename), form=form, reads_only=True).result
        if preview is not None:
            token = directory.sign_rows("units", instansi, preview.rows, current_app.config["SECRET_KEY"])
            page = _render(
                "units_import_preview.html",
                instansi,
                preview=preview,
                apply_form=DirectoryApplyForm(token=token),
                section="units",
            )
            return _no_store(page)
    status = 400 if form.errors else 200
    return _no_store(_render("import.html", instansi, form=form, kind="units", section="units"), status)


@bp.post("/<int:instansi_id>/unit/impor/terapkan")
@auth_required()
def units_import_apply(instansi_id: int) -> Response:
    instansi = _administered(instansi_id)
    form = DirectoryApplyForm()
    if not form.validate_on_submit():
        abort(400)
    token, secret = form.token.data or "", current_app.config["SECRET_KEY"]
    plans = attempt(lambda: directory.apply_units(instansi, directory.load_unit_rows(instansi, token, secret))).result
    if plans is None:
        return redirect(url_for(".units_import", instansi_id=instansi.id))
    flash(
        _(
            "Impor unit selesai: %(created)s dibuat, %(changed)s diubah, %(unchanged)s tetap.",
            created=sum(p.action == directory.CREATE for p in plans),
            changed=sum(p.action == directory.CHANGE for p in plans),
            unchanged=sum(p.action == directory.UNCHANGED for p in plans),
        ),
        "success",
    )
    return redirect(url_for(".units", instansi_id=instansi.id))


@bp.route("/<int:instansi_id>/pengguna/impor", methods=["GET", "POST"])
@auth_required()
def users_import(instansi_id: int) -> Response | str:
    instansi = _administered(instansi_id)
    form = DirectoryUploadForm()
    if form.validate_on_submit():
        data, filename = form.file.data.read(), form.file.data.filename or ""
        preview = attempt(lambda: directory.preview_users(instansi, data, filename), form=form, reads_only=True).result
        if preview is not None:
            token = directory.sign_rows("users", instansi, preview.rows, current_app.config["SECRET_KEY"])
            page = _render(
                "users_import_preview.html",
                instansi,
                preview=preview,
                apply_form=DirectoryApplyForm(token=token),
                section="users",
            )
            return _no_store(page)
    status = 400 if form.errors else 200
    return _no_store(_render("import.html", instansi, form=form, kind="users", section="users"), status)


@bp.post("/<int:instansi_id>/pengguna/impor/terapkan")
@auth_required()
def users_import_apply(instansi_id: int) -> Response:
    instansi = _administered(instansi_id)
    form = DirectoryApplyForm()
    if not form.validate_on_submit():
        abort(400)
    token, secret = form.token.data or "", current_app.config["SECRET_KEY"]
    result = attempt(
        lambda: directory.apply_users(instansi, directory.load_user_rows(instansi, token, secret), actor=_me())
    ).result
    if result is None:
        return redirect(url_for(".users_import", instansi_id=instansi.id))
    # The one-time links are in this answer only: never stored in clear, never cached.
    return _no_store(_render("users_import_done.html", instansi, result=result, section="users"))
