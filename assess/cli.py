"""``mandiri``: thin commands that call services and commit once."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext
from flask_babel import gettext as _
from flask_migrate import upgrade
from sqlalchemy import select

from assess.database import writing
from assess.errors import DomainError
from assess.extensions import db
from assess.instruments import Instrument as EngineInstrument
from assess.instruments import InstrumentError, load_instrument
from assess.models import Instansi, InstansiKind, Instrument, RoleName, Unit
from assess.scoring import Score, score


@contextmanager
def unit_of_work() -> Iterator[None]:
    """One transaction for the whole command: commit on success, roll back and report on a domain error."""
    with writing():
        try:
            yield
            db.session.commit()
        except (DomainError, InstrumentError) as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from None
        except Exception:
            db.session.rollback()
            raise


def _print_sync(report: Any) -> None:
    for label, keys in (("dibuat", report.created), ("diperbarui", report.updated), ("tetap", report.unchanged)):
        if keys:
            click.echo(f"  {label}: {', '.join(keys)}")


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Buat/migrasikan basis data lalu muat instrumen."""
    from assess.services.instruments import sync_instruments

    with writing():
        upgrade()
    click.echo("Basis data siap (migrasi ke versi terbaru).")
    with unit_of_work():
        report = sync_instruments()
    click.echo("Instrumen disinkronkan:")
    _print_sync(report)
    _check_storage()


def _check_storage() -> None:
    """The evidence store can be written, read and deleted from; else the command fails saying what is wrong."""
    from flask import current_app

    from uploads.errors import StorageUnavailableError

    storage = current_app.extensions["storage"]
    try:
        storage.probe()
    except (StorageUnavailableError, OSError) as exc:
        raise click.ClickException(f"Penyimpanan berkas {storage!r} tidak dapat dipakai: {exc}") from None
    click.echo(f"Penyimpanan berkas siap: {storage!r} (tulis, baca, hapus berhasil).")


instruments_group = click.Group("instruments", help="Kelola instrumen penilaian.")


@instruments_group.command("sync")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder berkas instrumen (bawaan: seeds/instruments).",
)
@with_appcontext
def instruments_sync(directory: Path | None) -> None:
    """Muat berkas instrumen ke basis data (aman diulang)."""
    from assess.services.instruments import sync_instruments

    with unit_of_work():
        report = sync_instruments(directory)
    click.echo("Instrumen disinkronkan:")
    _print_sync(report)


@instruments_group.command("list")
@with_appcontext
def instruments_list() -> None:
    """Daftar versi instrumen di basis data."""
    rows = db.session.scalars(select(Instrument).order_by(Instrument.code, Instrument.version)).all()
    if not rows:
        click.echo("Belum ada instrumen. Jalankan `mandiri instruments sync`.")
        return
    for row in rows:
        flag = "  [SEMENTARA]" if row.provisional else ""
        click.echo(f"{row.code:<12} v{row.version}  {len(row.indicators):>3} indikator  {row.title}{flag}")


@click.command("demo")
@click.option("--password", default="mandiri-demo", show_default=True, help="Kata sandi pengguna demo baru.")
@click.option("--year", type=int, default=None, help="Tahun penilaian demo (bawaan: tahun berjalan).")
@with_appcontext
def demo_command(password: str, year: int | None) -> None:
    """Muat instansi demo "Pemerintah Kota Contoh" (aman diulang)."""
    from assess.services.demo import load_demo

    with unit_of_work():
        result = load_demo(password, year=year)
    click.echo(
        f"Demo: {result.instansi.name} — penilaian {result.assessment.year} "
        f"({'dibuat' if result.created else 'sudah ada'})."
    )
    click.echo("Login demo:")
    for role, email, pw in result.logins:
        click.echo(f"  {role:<12} {email:<34} {pw}")


reminders_group = click.Group("reminders", help="Pengingat pekerjaan yang belum selesai.")


@reminders_group.command("send")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Hari pengiriman (YYYY-MM-DD); bawaan: hari ini di zona waktu aplikasi.",
)
@with_appcontext
def reminders_send(today: Any) -> None:
    """Kirim pengingat hari ini (sebelum dan sesudah batas waktu); yang sudah terkirim hari itu tidak diulang."""
    from flask import current_app

    from assess.services.reminders import local_today, send_due

    day = today.date() if today is not None else local_today()
    with unit_of_work():
        sent = send_due(today=day, days=current_app.config["REMINDER_DAYS"])
    click.echo(
        f"Pengingat {day.isoformat()}: {sent.people} orang dengan pekerjaan terbuka, "
        f"{sent.koordinators} ringkasan unit terlambat untuk koordinator, "
        f"{sent.corrections} orang dengan butir yang perlu dikoreksi."
    )


user_group = click.Group("user", help="Kelola pengguna.")


@user_group.command("create")
@click.option("--email", required=True, help="Alamat surel (dipakai untuk masuk).")
@click.option("--name", required=True, help="Nama lengkap.")
@click.option("--instansi", "instansi_slug", default=None, help="Slug instansi tempat peran diberikan.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice([r.value for r in RoleName]),
    help="Peran di instansi (boleh berulang).",
)
@click.option("--unit", "unit_names", multiple=True, help="Nama atau singkatan unit/OPD (boleh berulang).")
@click.password_option(
    "--password",
    prompt="Kata sandi",
    confirmation_prompt="Ulangi kata sandi",
    help="Dibaca tanpa ditampilkan bila tidak diberikan.",
)
@with_appcontext
def user_create(
    email: str, name: str, instansi_slug: str | None, roles: tuple[str, ...], unit_names: tuple[str, ...], password: str
) -> None:
    """Buat pengguna baru."""
    from assess.services.users import create_user

    with unit_of_work():
        instansi = None
        units: list[Unit] = []
        if instansi_slug:
            instansi = db.session.scalar(select(Instansi).where(Instansi.slug == instansi_slug))
            if instansi is None:
                raise DomainError(_("Instansi %(slug)s tidak ada.", slug=instansi_slug))
            by_name = {u.name: u for u in instansi.units} | {u.short_name: u for u in instansi.units if u.short_name}
            missing = [n for n in unit_names if n not in by_name]
            if missing:
                raise DomainError(
                    _("Unit tidak ada di %(slug)s: %(units)s", slug=instansi_slug, units=", ".join(missing))
                )
            units = [by_name[n] for n in unit_names]
        elif roles or unit_names:
            raise DomainError(_("--role dan --unit memerlukan --instansi."))
        user = create_user(
            email=email,
            name=name,
            password=password,
            instansi=instansi,
            roles=[RoleName(r) for r in roles],
            units=units,
        )
    click.echo(f"Pengguna {user.email} dibuat.")


@user_group.command("two-factor-off")
@click.argument("email")
@with_appcontext
def user_two_factor_off(email: str) -> None:
    """Matikan masuk dua langkah pengguna yang kehilangan ponsel dan kode pemulihannya."""
    from assess.services.users import find_user, turn_off_two_factor

    with unit_of_work():
        user = find_user(email)
        if user is None:
            raise DomainError(_("Tidak ada akun dengan surel %(email)s.", email=email))
        changed = turn_off_two_factor(user=user)
    if changed:
        click.echo(f"Masuk dua langkah {email} dimatikan; ia dapat memasangnya lagi setelah masuk dengan kata sandi.")
    else:
        click.echo(f"Masuk dua langkah {email} memang tidak aktif: tidak ada perubahan.")


# --------------------------------------------------------------------------- importing units and users

unit_group = click.Group("unit", help="Kelola unit (OPD) instansi.")
_ACTIONS = {"create": "dibuat", "change": "diubah", "unchanged": "tetap"}


def _import_preview(read: Callable[[Any, bytes, str], Any], slug: str, path: Path) -> tuple[Any, Any]:
    """The instansi of ``slug`` and the preview of ``path``; every problem printed (``baris N, kolom X: …``) and a
    non-zero exit, with nothing written, when there is any."""
    from assess.services import directory

    try:
        instansi = directory.find_instansi(slug)
        preview = read(instansi, path.read_bytes(), path.name)
    except DomainError as exc:
        raise click.ClickException("\n".join(message for _field, message in exc.errors)) from None
    if preview.errors:
        for error in preview.errors:
            click.echo(error, err=True)
        raise click.ClickException(f"{len(preview.errors)} masalah di {path.name}; tidak ada yang disimpan.")
    return instansi, preview


def _summary(created: int, changed: int, unchanged: int, *, dry_run: bool) -> None:
    tail = " (pratinjau; tidak ada yang disimpan)" if dry_run else ""
    click.echo(f"{created} dibuat, {changed} diubah, {unchanged} tetap{tail}.")


@unit_group.command("import")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Tampilkan pratinjau saja; tidak ada yang disimpan.")
@with_appcontext
def unit_import(slug: str, file: Path, dry_run: bool) -> None:
    """Impor unit (OPD) instansi SLUG dari FILE (CSV atau XLSX, kolom nama,singkatan); aman diulang."""
    from assess.services import directory

    instansi, preview = _import_preview(directory.preview_units, slug, file)
    for plan in preview.plans:
        short = f" ({plan.short_name})" if plan.short_name else ""
        was = f", singkatan semula {plan.old_short_name or '–'}" if plan.action == directory.CHANGE else ""
        click.echo(f"  baris {plan.row}: {plan.name}{short} — {_ACTIONS[plan.action]}{was}")
    if not dry_run:
        with unit_of_work():
            directory.apply_units(instansi, preview.rows)
    _summary(
        preview.count(directory.CREATE),
        preview.count(directory.CHANGE),
        preview.count(directory.UNCHANGED),
        dry_run=dry_run,
    )


@user_group.command("import")
@click.argument("slug")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Tampilkan pratinjau saja; tidak ada yang disimpan.")
@with_appcontext
def user_import(slug: str, file: Path, dry_run: bool) -> None:
    """Impor pengguna instansi SLUG dari FILE (CSV atau XLSX, kolom email,nama,peran,unit; beberapa peran atau unit
    dipisah titik koma) dan undang pengguna baru; aman diulang."""
    from flask import current_app

    from assess.services import directory

    instansi, preview = _import_preview(directory.preview_users, slug, file)
    for plan in preview.plans:
        roles = ", ".join(role.value for role in (plan.roles if plan.action == "create" else plan.added_roles))
        units = ", ".join(u.short_name or u.name for u in (plan.units if plan.action == "create" else plan.added_units))
        detail = "; ".join(part for part in (roles, units) if part)
        if plan.old_name:
            detail = "; ".join(part for part in (detail, f"nama {plan.old_name} → {plan.name}") if part)
        click.echo(f"  baris {plan.row}: {plan.email} — {_ACTIONS[plan.action]}" + (f": {detail}" if detail else ""))
    if dry_run:
        _summary(
            preview.count(directory.CREATE),
            preview.count(directory.CHANGE),
            preview.count(directory.UNCHANGED),
            dry_run=True,
        )
        return
    with unit_of_work():
        result = directory.apply_users(instansi, preview.rows, actor=None)
    _summary(len(result.created), len(result.changed), result.unchanged, dry_run=False)
    if result.created:
        base = str(current_app.config.get("MAIL_BASE_URL") or "").rstrip("/")
        click.echo("Undangan (tautan sekali pakai; tidak disimpan, sampaikan sekarang):")
        for created in result.created:
            where = "dikirim lewat surel" if created.emailed else base + created.path
            click.echo(f"  {created.email}: {where}")


operator_group = click.Group("operator", help="Kelola operator (yang menjalankan Mandiri ini).")


@operator_group.command("create")
@click.option("--email", required=True, help="Alamat surel (dipakai untuk masuk).")
@click.option("--name", required=True, help="Nama lengkap.")
@click.option("--password", default=None, help="Kata sandi akun baru (bila tidak diberikan, dibaca tanpa ditampilkan).")
@with_appcontext
def operator_create(email: str, name: str, password: str | None) -> None:
    """Buat operator, atau jadikan akun yang sudah ada operator (tanpa peran di instansi mana pun)."""
    from assess.services.operation import make_operator
    from assess.services.users import find_user

    if password is None and find_user(email) is None:
        password = click.prompt("Kata sandi", hide_input=True, confirmation_prompt="Ulangi kata sandi")
    with unit_of_work():
        made = make_operator(email=email, name=name, password=password)
        address = made.user.email
    if made.unchanged:
        click.echo(f"{address} sudah operator: tidak ada perubahan.")
    elif made.existed:
        click.echo(f"Akun {address} yang sudah ada kini operator (nama dan kata sandinya tidak diubah).")
    else:
        click.echo(f"Operator {address} dibuat.")


instansi_group = click.Group("instansi", help="Kelola instansi.")


@instansi_group.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="Nama instansi.")
@click.option("--kind", required=True, type=click.Choice([k.value for k in InstansiKind]), help="Jenis instansi.")
@with_appcontext
def instansi_create(slug: str, name: str, kind: str) -> None:
    """Buat instansi SLUG (aman diulang dengan nilai yang sama; nilai lain ditolak)."""
    from assess.services.operation import ensure_instansi

    with unit_of_work():
        made = ensure_instansi(slug=slug, name=name, kind=InstansiKind(kind))
    if made.created:
        click.echo(f"Instansi {slug} dibuat.")
    else:
        click.echo(f"Instansi {slug} sudah ada dengan nilai yang sama: tidak ada perubahan.")


@instansi_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
@with_appcontext
def instansi_list(as_json: bool) -> None:
    """Daftar instansi: slug, nama, jenis, aktif, jumlah pengguna, penilaian terbuka."""
    from assess.queries.operation import instansi_rows

    rows = instansi_rows()
    if as_json:
        listed = [
            {
                "slug": row.slug,
                "name": row.name,
                "kind": row.kind.value,
                "active": row.active,
                "users": row.users,
                "open_assessments": [
                    {"id": a.id, "year": a.year, "state": a.state.value, "filled": a.filled, "total": a.total}
                    for a in row.open_assessments
                ],
            }
            for row in rows
        ]
        click.echo(json.dumps(listed, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("Belum ada instansi. Buat dengan `mandiri instansi create SLUG --name NAMA --kind JENIS`.")
        return
    click.echo(f"{'SLUG':<24} {'NAMA':<40} {'JENIS':<12} {'AKTIF':<6} {'PENGGUNA':>8} {'TERBUKA':>7}")
    for row in rows:
        click.echo(
            f"{row.slug:<24} {row.name[:40]:<40} {row.kind.value:<12} {'ya' if row.active else 'tidak':<6} "
            f"{row.users:>8} {len(row.open_assessments):>7}"
        )


# --------------------------------------------------------------------------- groups (pembina)

group_group = click.Group(
    "group", help="Kelola grup instansi (mis. provinsi dan kabupaten/kotanya) dan pembinanya (hanya membaca)."
)


@group_group.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="Nama grup, mis. Provinsi Jawa Barat.")
@with_appcontext
def group_create(slug: str, name: str) -> None:
    """Buat grup instansi (aman diulang dengan nama yang sama)."""
    from assess.services.groups import create_group

    with unit_of_work():
        made = create_group(slug=slug, name=name)
    if made.created:
        click.echo(f"Grup {made.group.slug} dibuat.")
    else:
        click.echo(f"Grup {made.group.slug} sudah ada; tidak ada yang diubah.")


def _print_changed(done: Any, changed: str, unchanged: str) -> None:
    if done.changed:
        click.echo(f"{changed}: {', '.join(done.changed)}")
    if done.unchanged:
        click.echo(f"{unchanged}: {', '.join(done.unchanged)}")


@group_group.command("add")
@click.argument("slug")
@click.argument("instansi_slugs", nargs=-1, required=True)
@with_appcontext
def group_add(slug: str, instansi_slugs: tuple[str, ...]) -> None:
    """Masukkan instansi ke grup (yang sudah ada di grup tidak berubah)."""
    from assess.services.groups import add_members

    with unit_of_work():
        done = add_members(slug=slug, instansi_slugs=instansi_slugs)
    _print_changed(done, "Dimasukkan ke grup", "Sudah di grup")


@group_group.command("remove")
@click.argument("slug")
@click.argument("instansi_slugs", nargs=-1, required=True)
@with_appcontext
def group_remove(slug: str, instansi_slugs: tuple[str, ...]) -> None:
    """Keluarkan instansi dari grup (pembinanya tidak lagi dapat membacanya)."""
    from assess.services.groups import remove_members

    with unit_of_work():
        done = remove_members(slug=slug, instansi_slugs=instansi_slugs)
    _print_changed(done, "Dikeluarkan dari grup", "Memang tidak di grup")


@group_group.command("pembina")
@click.argument("slug")
@click.argument("email")
@click.option("--remove", is_flag=True, help="Cabut peran pembina orang ini di grup.")
@with_appcontext
def group_pembina(slug: str, email: str, remove: bool) -> None:
    """Jadikan pengguna yang sudah ada pembina grup (atau cabut dengan --remove)."""
    from assess.services.groups import set_pembina

    with unit_of_work():
        changed = set_pembina(slug=slug, email=email, remove=remove)
    address = email.strip().lower()
    if remove:
        click.echo(f"{address} bukan lagi pembina {slug}." if changed else f"{address} memang bukan pembina {slug}.")
    else:
        click.echo(f"{address} kini pembina {slug}." if changed else f"{address} sudah pembina {slug}.")


@group_group.command("list")
@with_appcontext
def group_list() -> None:
    """Daftar grup dengan instansi dan pembinanya."""
    from assess.services.groups import list_groups

    groups = list_groups()
    if not groups:
        click.echo("Belum ada grup.")
    for g in groups:
        click.echo(f"{g.slug}\t{g.name}")
        click.echo(f"  instansi: {', '.join(g.members) or '-'}")
        click.echo(f"  pembina: {', '.join(g.pembina) or '-'}")


# --------------------------------------------------------------------------- score


def read_values_csv(stream: io.TextIOBase | Any, inst: EngineInstrument) -> dict[str, str]:
    """Read ``indicator,value`` rows (comma or semicolon, optional header, decimal comma allowed)."""
    from assess.scoring import check_value

    text = stream.read()
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if ";" in first else ","
    values: dict[str, str] = {}
    seen_rows: dict[str, int] = {}
    for lineno, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if lineno == 1 and cells[0].lower() in ("indicator", "indikator", "kode", "code"):
            continue
        if len(cells) != 2:
            raise click.ClickException(f"baris {lineno}: harus dua kolom (kode indikator, nilai), ada {len(cells)}")
        code, raw = cells
        code = code.upper()
        if code not in inst.indicators:
            raise click.ClickException(f"baris {lineno}: indikator {code!r} tidak ada di instrumen {inst.key}")
        if code in seen_rows:
            raise click.ClickException(f"baris {lineno}: indikator {code} sudah ada di baris {seen_rows[code]}")
        if raw == "":
            seen_rows[code] = lineno
            continue
        try:
            check_value(inst, code, raw)
        except ValueError as exc:
            raise click.ClickException(f"baris {lineno}: {exc}") from None
        values[code] = raw
        seen_rows[code] = lineno
    return values


def score_as_dict(s: Score) -> dict[str, Any]:
    def part(p: Any) -> dict[str, Any]:
        return {"name": p.name, "value": p.display, "exact": str(p.value), "predikat": p.predikat}

    return {
        "instrument": s.instrument,
        "basis": s.basis,
        "index": s.index_display,
        "index_exact": str(s.index),
        "index_decimal": f"{float(s.index):.10f}" if s.index.denominator > 10**10 else _finite(s.index),
        "predikat": s.predikat,
        "predikat_exact": s.predikat_exact,
        "predikat_rounded": s.predikat_rounded,
        "band_warning": str(s.band_warning) if s.band_warning else None,
        "domains": {code: part(p) for code, p in s.domains.items()},
        "aspects": {code: part(p) for code, p in s.aspects.items()},
        "unanswered": list(s.unanswered),
    }


def _finite(value: Any) -> str:
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = 40
        return str((Decimal(value.numerator) / Decimal(value.denominator)).normalize())


def print_score_table(s: Score, inst: EngineInstrument, echo: Callable[[str], None] = click.echo) -> None:
    echo(f"Instrumen: {inst.title} ({inst.key}){'  [SEMENTARA]' if inst.provisional else ''}")
    if s.domains:
        echo("\nDomain")
        for code, p in s.domains.items():
            echo(f"  {code:<4} {p.name[:52]:<52} {p.display:>6}  {p.predikat}")
    echo("\nAspek")
    for code, p in s.aspects.items():
        echo(f"  {code:<4} {p.name[:52]:<52} {p.display:>6}  {p.predikat}")
    echo(f"\nIndeks   {s.index_display}  (tepat: {score_as_dict(s)['index_decimal']})")
    echo(f"Predikat {s.predikat}  (dasar: {'nilai tepat' if s.basis == 'exact' else 'nilai dibulatkan'})")
    if s.band_warning:
        echo(f"PERINGATAN: {s.band_warning}")
    if s.unanswered:
        echo(f"Belum diisi (dihitung 0): {', '.join(s.unanswered)}")


@click.command("score")
@click.option("--instrument", "code", required=True, help="Kode instrumen, mis. spbe-2020 atau pemdi-2026.")
@click.option("--version", type=int, default=None, help="Versi instrumen (bawaan: terbaru).")
@click.option(
    "--basis",
    type=click.Choice(["exact", "rounded"]),
    default=None,
    help="Dasar predikat (bawaan: menurut instrumen dan --year).",
)
@click.option("--year", type=int, default=None, help="Tahun penilaian, untuk dasar predikat per tahun.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
def score_command(
    code: str, version: int | None, basis: str | None, year: int | None, as_json: bool, csv_file: Any
) -> None:
    """Hitung indeks dari CSV berisi kolom kode indikator dan nilai."""
    try:
        inst = load_instrument(code, version)
    except (LookupError, InstrumentError) as exc:
        raise click.ClickException(str(exc)) from None
    values = read_values_csv(csv_file, inst)
    s = score(inst, values, basis, year=year)
    if as_json:
        click.echo(json.dumps(score_as_dict(s), ensure_ascii=False, indent=2))
    else:
        print_score_table(s, inst)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=5000, show_default=True)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Jalankan aplikasi dengan server produksi (gunicorn, atau waitress bila gunicorn tidak dapat berjalan;
    pengaturan MANDIRI_WEB_*) dan pekerja latar tertanam."""
    from flask import current_app

    from assess import jobs
    from assess.web_settings import ServingError, chosen_server, web_settings

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    jobs.sweep_staging_files(app)  # what a killed process left of its uploads
    embedded = bool(app.config["JOBS_EMBEDDED_WORKER"]) and not jobs.huey.immediate
    try:
        server = chosen_server()
        settings = web_settings(embedded_worker=embedded)
        if server == "gunicorn":  # the module reads its MANDIRI_WEB_* settings when imported (gunicorn -c)
            from assess import serving
    except ServingError as exc:  # a setting is wrong
        raise click.ClickException(str(exc)) from None
    if server == "waitress":
        from assess import waitress_serving

        if embedded and jobs.start_embedded_worker(app):
            click.echo("Pekerja latar (ekspor) berjalan di proses ini.")
        click.echo(f"Server waitress ({settings.threads} utas) di http://{host}:{port}")
        waitress_serving.serve(app, host, port, settings)
        return
    lock = str(Path(app.instance_path) / "embedded-worker.lock")

    def worker_started() -> None:
        # In a web worker process, forked by gunicorn: no database connection of the parent is used here.
        with app.app_context():
            db.engine.dispose(close=False)
        # One web worker process (the only one by default) runs the job worker and the report renderer's pool.
        if embedded and serving.claim(lock) and jobs.start_embedded_worker(app):
            click.echo("Pekerja latar (ekspor) berjalan di proses ini.")

    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    serving.serve(app, bind, settings, on_worker_start=worker_started)


#: What ``mandiri worker`` prints once it takes jobs (after the report renderer has started).
WORKER_READY = "Pekerja latar siap menerima tugas."


@click.command("worker")
@click.option("--workers", type=int, default=1, show_default=True, help="Jumlah utas pekerja.")
@with_appcontext
def worker_command(workers: int) -> None:
    """Jalankan pekerja latar (ekspor bundel) terpisah dari server web."""
    from flask import current_app

    from assess import jobs

    if jobs.huey.immediate:
        raise click.ClickException("MANDIRI_JOBS_BACKEND=immediate tidak memakai pekerja; pilih sqlite atau redis.")
    from reports.layout import shutdown, warm_up

    # The report renderer's fork server and workers start now, not in the first export (about 0.4 s).
    warm_up()
    jobs.sweep_staging_files(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(WORKER_READY, nl=True)
    try:
        jobs.consumer(current_app._get_current_object(), workers=workers).run()  # type: ignore[attr-defined]
    finally:  # the consumer stopped (SIGTERM, SIGINT): so does the pool, without waiting for queued renders
        shutdown()


@click.command("export")
@click.argument("assessment_id", type=int)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder tujuan salinan PDF, ZIP dan ringkasan.",
)
@click.option("--include-review", is_flag=True, help="Sertakan ringkasan reviu per indikator.")
@click.option("--per-indicator", is_flag=True, help="Tulis juga satu PDF per indikator (untuk portal).")
@click.option(
    "--per-butir",
    is_flag=True,
    help="Buat dan tulis juga satu PDF per butir terpenuhi dengan catatan.csv dan ZIP-nya (Pemdi, portal evaluasi).",
)
@with_appcontext
def export_command(
    assessment_id: int, out_dir: Path, include_review: bool, per_indicator: bool, per_butir: bool
) -> None:
    """Buat bundel pengajuan penilaian ASSESSMENT_ID (kode yang sama dengan pekerja latar)."""
    from assess.models import Assessment, ExportState
    from assess.services import exports

    with unit_of_work():
        assessment = db.session.get(Assessment, assessment_id)
        if assessment is None:
            raise DomainError(_("Penilaian %(id)s tidak ditemukan.", id=assessment_id))
        export = exports.request_export(assessment, None, include_review=include_review, per_butir=per_butir)
        export_id = export.id
    click.echo(f"Ekspor #{export_id} dimulai …")
    done = exports.run(export_id)
    if done is None or done.state != ExportState.DONE:
        raise click.ClickException(f"Ekspor gagal: {done.error if done else 'tidak dapat dimulai'}")
    written = exports.copy_out(done, out_dir, per_indicator=per_indicator, per_butir=per_butir)
    for label, path in written:
        click.echo(f"{label}: {path}")
    if per_butir:
        _echo_butir(done)
    if done.problems:
        click.echo(f"Perhatian: {done.problems} data dukung dicetak sebagai halaman pengganti (lihat ringkasan).")


def _echo_butir(export: Any) -> None:
    """What the per-butir files of a finished export need the operator to know: missing and too large files."""
    from assess import display
    from assess.services import exports

    summary = exports.summary_of(export)
    click.echo(f"Berkas per butir: {len(exports.butir_files(export))}")
    if summary.get("butir_missing"):
        click.echo(f"Butir terpenuhi tanpa berkas yang dapat dicetak: {', '.join(summary['butir_missing'])}")
    limit = summary.get("portal_max_mb")
    for row in exports.over_limit(export):
        size = display.size(int(row["size"]), "id")
        click.echo(f"Perhatian: {row['file']} {size}, melebihi batas portal {limit} MB")


@click.command("wawancara")
@click.argument("assessment_id", type=int)
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def interview_command(assessment_id: int, out: Path) -> None:
    """Tulis paket wawancara penilaian Pemdi ASSESSMENT_ID ke OUT: ZIP berisi satu PDF per indikator."""
    import os
    import tempfile

    from assess.models import Assessment
    from assess.models.base import utcnow
    from reports import interview

    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        raise click.ClickException(f"Penilaian {assessment_id} tidak ditemukan.")
    if assessment.instrument.value_type != "graded":
        raise click.ClickException(f"Penilaian {assessment_id} bukan penilaian Pemdi: tidak ada paket wawancara.")
    if not out.parent.is_dir():
        raise click.ClickException(f"Folder {out.parent} tidak ada.")
    pack = interview.collect(assessment_id, generated_at=utcnow())
    db.session.rollback()
    data = interview.pack_zip(pack)
    # Written beside OUT, then moved into place: never a half-written ZIP under OUT's name.
    handle, staging = tempfile.mkstemp(prefix=".wawancara-", suffix=".zip", dir=out.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(staging, out)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    click.echo(f"Paket wawancara ({len(pack.indicators)} indikator): {out}")


storage_group = click.Group("storage", help="Kelola penyimpanan berkas (data dukung dan ekspor).")


@storage_group.command("migrate")
@click.option("--to", "target_backend", type=click.Choice(["s3", "local"]), required=True, help="Penyimpanan tujuan.")
@with_appcontext
def storage_migrate(target_backend: str) -> None:
    """Salin setiap berkas ke penyimpanan lain dan periksa SHA-256 tiap berkas; tidak mengubah pengaturan.

    Tujuan dibaca dari pengaturan yang sama (MANDIRI_S3_* untuk s3, MANDIRI_STORAGE_ROOT dan MANDIRI_EXPORT_ROOT untuk
    local). Boleh dihentikan dan dijalankan lagi: yang sudah tersalin dan cocok tidak disalin ulang. Setelah semua
    cocok, ubah MANDIRI_STORAGE_BACKEND lalu mulai ulang aplikasi dan pekerja.
    """
    from flask import current_app

    from assess.models import Blob, Export, ExportState
    from assess.services.exports import folder_of
    from uploads import get_folders, get_storage
    from uploads.errors import StorageUnavailableError
    from uploads.migrate import Migration, copy_blobs, copy_folders

    config = current_app.config
    if config["STORAGE_BACKEND"] == target_backend:
        raise click.ClickException(f"Penyimpanan yang dipakai sekarang sudah {target_backend}; tidak ada yang disalin.")
    target_config = {**config, "STORAGE_BACKEND": target_backend}
    try:
        source, target = current_app.extensions["storage"], get_storage(target_config)
        target.probe()
    except (ValueError, StorageUnavailableError, OSError) as exc:
        raise click.ClickException(f"Penyimpanan tujuan tidak dapat dipakai: {exc}") from None
    # Reads only: the rows name what must be there (evidence files and logos; finished exports' folders).
    keys = sorted(
        set(db.session.scalars(select(Blob.storage_key)))
        | {key for key in db.session.scalars(select(Instansi.logo_key)) if key}
    )
    folders = [
        name
        for export in db.session.scalars(select(Export).where(Export.state == ExportState.DONE).order_by(Export.id))
        if (name := folder_of(export)) is not None
    ]
    db.session.rollback()
    click.echo(f"Menyalin {len(keys)} berkas dan {len(folders)} ekspor dari {source!r} ke {target!r} …")

    def progress(done: Migration, _key: str) -> None:
        handled = done.copied + done.present + len(done.missing) + len(done.damaged)
        if handled % 100 == 0 or handled == len(keys):
            click.echo(f"  {handled}/{len(keys)} berkas ({done.copied} disalin, {done.present} sudah ada)")

    try:
        done = copy_blobs(source, target, keys, progress)
        copy_folders(current_app.extensions["folders"], get_folders(target_config, target), folders, done)
    except (StorageUnavailableError, OSError) as exc:
        raise click.ClickException(f"Penyalinan terhenti (jalankan lagi untuk melanjutkan): {exc}") from None
    click.echo(
        f"Berkas: {done.copied} disalin ({done.bytes_copied} byte), {done.present} sudah ada dan cocok. "
        f"Ekspor: {done.folders_copied} disalin, {done.folders_present} sudah ada."
    )
    if not done.complete:
        for key in done.missing:
            click.echo(f"  HILANG di sumber: {key}", err=True)
        for key in done.damaged:
            click.echo(f"  TIDAK COCOK dengan SHA-256-nya: {key}", err=True)
        raise click.ClickException(
            f"{len(done.missing)} berkas hilang dan {len(done.damaged)} tidak cocok; pengaturan jangan diubah dulu."
        )
    click.echo(
        f"Semua berkas tersalin dan cocok. Sekarang ubah MANDIRI_STORAGE_BACKEND={target_backend}, lalu mulai ulang "
        "aplikasi dan pekerja."
    )


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MiB"


@click.command("backup")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder cadangan (dibuat bila belum ada; cadangan sebelumnya di folder ini dipakai ulang).",
)
@with_appcontext
def backup_command(out_dir: Path) -> None:
    """Cadangkan basis data dan berkas tersimpan ke folder OUT; aman selagi aplikasi berjalan."""
    from flask import current_app

    from assess import backup
    from uploads.errors import StorageUnavailableError
    from uploads.staging import StorageFullError

    try:
        report = backup.backup(out_dir, storage=current_app.extensions["storage"], progress=click.echo)
    except (backup.BackupError, OSError, StorageFullError, StorageUnavailableError) as exc:  # full, unwritable, down
        raise click.ClickException(f"Pencadangan gagal: {exc}") from None
    for key, problem in report.unavailable:
        click.echo(f"Perhatian: objek {key} tidak dicadangkan: {problem}", err=True)
    click.echo(
        f"Cadangan selesai di {report.folder} (revisi {report.revision}): {report.tables} tabel, {report.rows} baris; "
        f"objek disalin {report.copied} ({_size(report.copied_bytes)}), "
        f"dipakai ulang {report.reused} ({_size(report.reused_bytes)})."
    )
    click.echo(
        "Rahasia aplikasi (instance/secret_key, password_salt, totp_secret atau pengaturan MANDIRI_*-nya) tidak ikut "
        "dicadangkan: simpan terpisah, pemulihan memerlukannya."
    )


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_command(folder: Path) -> None:
    """Pulihkan cadangan FOLDER ke basis data dan penyimpanan yang masih kosong.

    Setiap berkas dicocokkan dengan SHA-256-nya sebelum satu baris pun ditulis; bila ada yang gagal, tidak ada yang
    tertinggal."""
    from flask import current_app

    from assess import backup
    from uploads.errors import StorageUnavailableError
    from uploads.staging import StorageFullError

    try:
        report = backup.restore(folder, storage=current_app.extensions["storage"], progress=click.echo)
    except (backup.BackupError, OSError, StorageFullError, StorageUnavailableError) as exc:  # damaged, full, down
        raise click.ClickException(f"Pemulihan gagal: {exc}") from None
    for key in report.unavailable:
        click.echo(f"Perhatian: objek {key} tidak ada di cadangan (hilang atau rusak saat dicadangkan).", err=True)
    moved = f", lalu dimigrasikan ke {report.head}" if report.head != report.revision else ""
    click.echo(
        f"Pemulihan selesai (revisi {report.revision}{moved}): {report.tables} tabel, {report.rows} baris, "
        f"{report.objects} objek ({_size(report.object_bytes)}), semuanya cocok dengan SHA-256 di manifest."
    )


def register_cli(app: Flask) -> None:
    for command in (
        init_command,
        instruments_group,
        demo_command,
        user_group,
        unit_group,
        group_group,
        operator_group,
        instansi_group,
        score_command,
        serve_command,
        worker_command,
        export_command,
        interview_command,
        reminders_group,
        storage_group,
        backup_command,
        restore_command,
    ):
        app.cli.add_command(command)


def _create_app() -> Flask:
    from assess import create_app

    return create_app()


def main() -> None:
    group = FlaskGroup(create_app=_create_app, help="Mandiri: penilaian mandiri SPBE/Pemdi.")
    group.main(prog_name="mandiri", args=sys.argv[1:])


__all__ = ["main", "read_values_csv", "register_cli", "score_as_dict", "unit_of_work"]
