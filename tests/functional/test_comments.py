"""Comment threads: posting, replying, editing, resolving; permissions; escaping; mentions; canned comments."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from assess.models import (
    Answer,
    AssessmentState,
    AuditEntry,
    CannedComment,
    Comment,
    Evidence,
    EvidenceKind,
    Notification,
    NotificationKind,
    RoleName,
)
from assess.services import comments as service
from assess.views.comments import comment_text
from tests.factories import create_assessment, create_instansi, create_member
from tests.functional.helpers import count_queries, login
from tests.worlds import World, build_world


def _answer(assessment: Any, code: str) -> Answer:
    return next(a for a in assessment.answers if a.indicator.code == code)


@pytest.fixture
def world(db: Any) -> World:
    """Answers assigned to Diskominfo, its pengisi (budi@kota-a), a koordinator, a reviewer and a pembaca, and an
    outsider (budi@kota-b) of another instansi; the reviewer and the outsider are both called Siti Rahma."""
    built = build_world(
        members=("pengisi", "koordinator", "reviewer", "pembaca"),
        emails={"pengisi": "budi@kota-a.go.id", "outsider": "budi@kota-b.go.id"},
    )
    built.reviewer.name = "Siti Rahma"
    built.outsider.name = "Siti Rahma"
    db.session.commit()
    return built


def _url(world: World) -> str:
    """The thread page of the answer to I1."""
    return f"/penilaian/{world.assessment.id}/komentar/jawaban/{world.answer('I1').id}"


def _post(client: FlaskClient, url: str, body: str, **extra: Any) -> Any:
    return client.post(url, data={"body": body, "action": "post", **extra})


def _comments(db: Any) -> list[Comment]:
    return list(db.session.scalars(select(Comment).order_by(Comment.id)))


def _audit(db: Any) -> list[AuditEntry]:
    return list(
        db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "comment").order_by(AuditEntry.id))
    )


def _notes(db: Any, kind: NotificationKind | None = None) -> list[Notification]:
    query = select(Notification).order_by(Notification.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


# --------------------------------------------------------------------------- the thread life cycle


def test_post_reply_edit_resolve_reopen(client: FlaskClient, world: World, db: Any) -> None:
    url = _url(world)
    login(client, world.reviewer.email)
    response = _post(client, url, "Lampirkan Perwali yang sudah ditandatangani.", next=url)
    assert response.status_code == 302
    [top] = _comments(db)
    assert response.headers["Location"].endswith(f"{url}#komentar-{top.id}")
    assert top.author_id == world.reviewer.id
    assert top.answer_id == world.answer("I1").id
    assert top.is_open

    client.post("/logout")
    login(client, world.pengisi.email)
    assert _post(client, url, "Sudah kami unggah.", parent_id=str(top.id)).status_code == 302
    reply = _comments(db)[1]
    assert reply.parent_id == top.id
    # Only the author edits; someone else gets 403 and the text stays.
    assert client.post(f"/penilaian/{top.assessment_id}/komentar/{top.id}/ubah", data={"body": "x"}).status_code == 403
    # Not the thread's author, not a reviewer or koordinator: no resolving.
    assert client.post(f"/penilaian/{top.assessment_id}/komentar/{top.id}/selesai").status_code == 403

    client.post("/logout")
    login(client, world.reviewer.email)
    edit_url = f"/penilaian/{top.assessment_id}/komentar/{top.id}/ubah"
    assert "Lampirkan Perwali" in client.get(edit_url).get_data(as_text=True)
    assert client.post(edit_url, data={"body": "Lampirkan Perwali yang sah."}).status_code == 302
    db.session.refresh(top)
    assert top.body == "Lampirkan Perwali yang sah."
    assert top.edited_at is not None
    page = client.get(url).get_data(as_text=True)
    assert "diubah" in page
    assert "Sudah kami unggah." in page

    assert client.post(f"/penilaian/{top.assessment_id}/komentar/{top.id}/selesai").status_code == 302
    db.session.refresh(top)
    assert top.resolved_at is not None
    assert top.resolved_by_id == world.reviewer.id
    assert "selesai" in client.get(url).get_data(as_text=True)
    assert service.open_threads_count(world.answer("I1").id) == 0

    client.post("/logout")
    login(client, world.koordinator.email)
    assert client.post(f"/penilaian/{top.assessment_id}/komentar/{top.id}/buka").status_code == 302
    db.session.refresh(top)
    assert top.resolved_at is None
    assert top.resolved_by_id is None
    assert service.open_threads_count(world.answer("I1").id) == 1

    entries = _audit(db)
    assert [e.action for e in entries] == [
        "comment.create",
        "comment.create",
        "comment.edit",
        "comment.resolve",
        "comment.reopen",
    ]
    assert {e.indicator_code for e in entries} == {"I1"}
    assert entries[2].changes == [
        {"field": "body", "old": "Lampirkan Perwali yang sudah ditandatangani.", "new": "Lampirkan Perwali yang sah."}
    ]


def test_thread_author_may_resolve_own_thread(client: FlaskClient, world: World, db: Any) -> None:
    login(client, world.pengisi.email)
    _post(client, _url(world), "Pertanyaan untuk reviewer.")
    [top] = _comments(db)
    assert client.post(f"/penilaian/{top.assessment_id}/komentar/{top.id}/selesai").status_code == 302
    db.session.refresh(top)
    assert top.resolved_at is not None
    # A reply is not a thread: it cannot be resolved on its own.
    reply = service.add_comment(
        assessment=world.assessment, author=world.reviewer, body="Baik.", parent=top, answer=world.answer("I1")
    )
    db.session.commit()
    assert client.post(f"/penilaian/{top.assessment_id}/komentar/{reply.id}/buka").status_code == 302
    assert _comments(db)[1].resolved_at is None
    db.session.refresh(top)
    assert top.resolved_at is not None


def test_reply_to_a_reply_joins_the_thread(world: World, db: Any) -> None:
    top = service.add_comment(
        assessment=world.assessment, author=world.reviewer, body="a", answer=world.answer("I1")
    )
    reply = service.add_comment(assessment=world.assessment, author=world.pengisi, body="b", parent=top)
    nested = service.add_comment(assessment=world.assessment, author=world.reviewer, body="c", parent=reply)
    assert nested.parent_id == top.id
    [thread] = service.load_threads(answer_id=world.answer("I1").id)
    assert [c.body for c in thread.replies] == ["b", "c"]


# --------------------------------------------------------------------------- permissions


def test_pembaca_reads_but_does_not_comment(client: FlaskClient, world: World, db: Any) -> None:
    service.add_comment(
        assessment=world.assessment, author=world.reviewer, body="Catatan", answer=world.answer("I1")
    )
    db.session.commit()
    top = _comments(db)[0]
    login(client, world.pembaca.email)
    page = client.get(_url(world))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Catatan" in text
    assert 'data-testid="comment-form"' not in text
    assert "Peran Anda hanya dapat membaca komentar." in text
    assert _post(client, _url(world), "Saya ikut komentar").status_code == 403
    assert client.post(f"/penilaian/{top.assessment_id}/komentar/{top.id}/selesai").status_code == 403
    assert len(_comments(db)) == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_other_instansi_gets_404(client: FlaskClient, world: World, db: Any, method: str) -> None:
    top = service.add_comment(
        assessment=world.assessment, author=world.reviewer, body="x", answer=world.answer("I1")
    )
    db.session.commit()
    login(client, world.outsider.email)
    aid = world.assessment.id
    if method == "get":
        assert client.get(_url(world)).status_code == 404
        assert client.get(f"/penilaian/{aid}/komentar/{top.id}/ubah").status_code == 404
    else:
        assert _post(client, _url(world), "Dari instansi lain").status_code == 404
        assert client.post(f"/penilaian/{aid}/komentar/{top.id}/selesai").status_code == 404
        assert client.post(f"/penilaian/{aid}/komentar/{top.id}/ubah", data={"body": "y"}).status_code == 404
    assert len(_comments(db)) == 1


def test_answer_of_another_assessment_is_404(client: FlaskClient, world: World, db: Any) -> None:
    other = create_assessment(create_instansi(), year=2025)
    db.session.commit()
    stranger = _answer(other, "I1")
    login(client, world.reviewer.email)
    assert client.get(f"/penilaian/{world.assessment.id}/komentar/jawaban/{stranger.id}").status_code == 404


def test_nothing_changes_in_a_final_assessment(client: FlaskClient, world: World, db: Any) -> None:
    top = service.add_comment(
        assessment=world.assessment, author=world.reviewer, body="x", answer=world.answer("I1")
    )
    world.assessment.state = AssessmentState.FINAL
    db.session.commit()
    login(client, world.reviewer.email)
    page = client.get(_url(world)).get_data(as_text=True)
    assert "Penilaian sudah final" in page
    assert 'data-testid="comment-form"' not in page
    response = _post(client, _url(world), "Terlambat")
    assert response.status_code == 400
    assert "Terlambat" in response.get_data(as_text=True)
    client.post(f"/penilaian/{top.assessment_id}/komentar/{top.id}/selesai")
    client.post(f"/penilaian/{top.assessment_id}/komentar/{top.id}/ubah", data={"body": "baru"})
    db.session.refresh(top)
    assert top.resolved_at is None
    assert top.body == "x"
    assert len(_comments(db)) == 1


# --------------------------------------------------------------------------- validation and rendering


def test_empty_and_too_long_bodies_are_refused_and_text_is_kept(
    client: FlaskClient, world: World, db: Any
) -> None:
    login(client, world.reviewer.email)
    empty = _post(client, _url(world), "   \n ")
    assert empty.status_code == 400
    assert "Komentar tidak boleh kosong." in empty.get_data(as_text=True)
    long_text = "kata " * 2001  # 10 005 characters
    too_long = _post(client, _url(world), long_text)
    page = too_long.get_data(as_text=True)
    assert too_long.status_code == 400
    assert "Komentar terlalu panjang" in page
    assert "10.000" in page
    assert long_text.strip() in page  # the typed text comes back in the box
    failed_reply = service.add_comment(
        assessment=world.assessment, author=world.pengisi, body="Ada pertanyaan", answer=world.answer("I1")
    )
    db.session.commit()
    reply = _post(client, _url(world), "x" * 10_001, parent_id=str(failed_reply.id))
    assert reply.status_code == 400
    assert "x" * 10_001 in reply.get_data(as_text=True)
    assert len(_comments(db)) == 1
    assert _post(client, _url(world), "y" * 10_000).status_code == 302


def test_text_is_escaped_and_links_are_made_safely(client: FlaskClient, world: World, db: Any) -> None:
    body = (
        "<script>alert('x')</script>\n"
        "lihat https://jdih.example.go.id/perwali?no=12&tahun=2024.\n"
        'javascript:alert(1) dan <a href="javascript:alert(2)">klik</a>'
    )
    login(client, world.reviewer.email)
    assert _post(client, _url(world), body).status_code == 302
    page = client.get(_url(world)).get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;<br>" in page
    assert (
        '<a href="https://jdih.example.go.id/perwali?no=12&amp;tahun=2024" rel="nofollow noopener" '
        'target="_blank">https://jdih.example.go.id/perwali?no=12&amp;tahun=2024</a>.<br>'
    ) in page
    assert 'href="javascript' not in page
    assert "&lt;a href=&#34;javascript:alert(2)&#34;&gt;klik&lt;/a&gt;" in page


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\nb", "a<br>\nb"),
        ("<b>tebal</b>", "&lt;b&gt;tebal&lt;/b&gt;"),
        ("ftp://x.org javascript:alert(1) data:text/html,x", "ftp://x.org javascript:alert(1) data:text/html,x"),
        (
            'https://x.org/"onmouseover="alert(1)',
            '<a href="https://x.org/" rel="nofollow noopener" target="_blank">https://x.org/</a>'
            "&#34;onmouseover=&#34;alert(1)",
        ),
        (
            "(https://x.org/a_b)",
            '(<a href="https://x.org/a_b" rel="nofollow noopener" target="_blank">https://x.org/a_b</a>)',
        ),
        ("https://x.org/<img src=x>", '<a href="https://x.org/" rel="nofollow noopener" target="_blank">'),
    ],
)
def test_comment_text_filter(text: str, expected: str) -> None:
    assert expected in str(comment_text(text))


# --------------------------------------------------------------------------- mentions and replies


def test_mentions_notify_the_right_users_only(client: FlaskClient, world: World, db: Any) -> None:
    login(client, world.koordinator.email)
    body = "@budi mohon lengkapi; @sitirahma mohon dicek. Surel budi@kota-a.go.id bukan sebutan. @tidakada"
    assert _post(client, _url(world), body).status_code == 302
    mentions = _notes(db, NotificationKind.MENTION)
    assert sorted(n.user_id for n in mentions) == sorted([world.pengisi.id, world.reviewer.id])
    comment = _comments(db)[0]
    for note in mentions:
        assert note.comment_id == comment.id
        assert note.answer_id == world.answer("I1").id
        assert note.actor_id == world.koordinator.id
        assert note.url.endswith(f"/indikator/I1?diskusi={comment.id}#komentar-{comment.id}")
        assert "menyebut Anda" in note.message
    # the outsider also has a "budi" e-mail and the name Siti Rahma: nothing for them
    assert not [n for n in _notes(db) if n.user_id == world.outsider.id]


def test_mentioning_oneself_or_editing_in_a_new_mention(world: World, db: Any) -> None:
    comment = service.add_comment(
        assessment=world.assessment, author=world.reviewer, body="catatan @SitiRahma", answer=world.answer("I1")
    )
    assert _notes(db) == []
    service.edit_comment(comment=comment, author=world.reviewer, body="catatan @SitiRahma untuk @BUDI")
    service.edit_comment(comment=comment, author=world.reviewer, body="catatan @SitiRahma untuk @BUDI!")
    assert [n.user_id for n in _notes(db, NotificationKind.MENTION)] == [world.pengisi.id]


def test_replies_notify_participants_except_the_author(world: World, db: Any) -> None:
    a, r, k, p = world.assessment, world.reviewer, world.koordinator, world.pengisi
    top = service.add_comment(assessment=a, author=r, body="Mulai", answer=world.answer("I1"))
    assert _notes(db) == []
    service.add_comment(assessment=a, author=p, body="Jawab", parent=top)
    assert [(n.user_id, n.kind) for n in _notes(db)] == [(r.id, NotificationKind.REPLY)]
    service.add_comment(assessment=a, author=k, body="Ikut, @budi", parent=top)
    latest = [(n.user_id, n.kind) for n in _notes(db)][1:]
    # the pengisi is mentioned (one notification, the mention), the reviewer gets the reply
    assert sorted(latest) == sorted([(p.id, NotificationKind.MENTION), (r.id, NotificationKind.REPLY)])
    assert all(n.user_id != k.id for n in _notes(db))


# --------------------------------------------------------------------------- documents and items


def test_comment_on_a_document(client: FlaskClient, world: World, db: Any) -> None:
    evidence = Evidence(
        assessment_id=world.assessment.id, kind=EvidenceKind.LINK, title="Portal layanan", url="https://x.go.id"
    )
    db.session.add(evidence)
    db.session.commit()
    url = f"/penilaian/{world.assessment.id}/komentar/dokumen/{evidence.id}"
    login(client, world.reviewer.email)
    response = _post(client, url, "Tangkapan layar fitur belum ada.")
    assert response.status_code == 302
    comment = _comments(db)[0]
    assert comment.evidence_id == evidence.id
    assert comment.answer_id is None
    assert response.headers["Location"].endswith(f"/pustaka/{evidence.id}?diskusi={comment.id}#komentar-{comment.id}")
    [entry] = _audit(db)
    assert entry.evidence_id == evidence.id
    assert entry.indicator_code is None
    assert "Tangkapan layar fitur belum ada." in client.get(url).get_data(as_text=True)


def test_comment_on_a_pemdi_item(client: FlaskClient, db: Any) -> None:
    instansi = create_instansi()
    assessment = create_assessment(instansi, code="pemdi-2026")
    reviewer = create_member(instansi, RoleName.REVIEWER)
    db.session.commit()
    answer = next(a for a in assessment.answers if a.indicator.items)
    item = next(i for i in answer.indicator.items if i.kind != "note")
    login(client, reviewer.email)
    url = f"/penilaian/{assessment.id}/komentar/jawaban/{answer.id}"
    assert f'<option value="{item.id}">{item.code}</option>' in client.get(url).get_data(as_text=True)
    assert _post(client, url, "Butir ini belum didukung.", item_id=str(item.id)).status_code == 302
    assert _comments(db)[0].item_id == item.id
    page = client.get(url).get_data(as_text=True)
    assert f'<span class="chip">{item.code}</span>' in page


# --------------------------------------------------------------------------- query counts


def _fill(world: World, threads: int, replies: int) -> None:
    people = [world.reviewer, world.pengisi, world.koordinator]
    for t in range(threads):
        top = service.add_comment(
            assessment=world.assessment, author=people[t % 3], body=f"diskusi {t}", answer=world.answer("I1")
        )
        for n in range(replies):
            service.add_comment(
                assessment=world.assessment, author=people[(t + n + 1) % 3], body=f"b{n}", parent=top
            )
        if t % 2:
            service.resolve(comment=top, actor=world.koordinator)


def test_load_threads_uses_the_same_few_queries_for_2_or_40_comments(world: World, db: Any) -> None:
    _fill(world, threads=1, replies=1)
    db.session.commit()
    db.session.expire_all()
    answer_id = world.answer("I1").id
    with count_queries(db) as few:
        threads = service.load_threads(answer_id=answer_id)
        names = [t.name_of(c.author_id) for t in threads for c in t.comments]
        _ = [len(t.top.replies) for t in threads]
    assert len(names) == 2

    _fill(world, threads=8, replies=4)
    db.session.commit()
    db.session.expire_all()
    with count_queries(db) as many:
        threads = service.load_threads(answer_id=answer_id)
        names = [t.name_of(c.author_id) for t in threads for c in t.comments]
        resolvers = [t.resolved_by_name for t in threads]
        _ = [len(t.top.replies) for t in threads]
    assert len(names) == 42
    assert "Pengguna" in "".join(r or "" for r in resolvers)
    assert len(few) == len(many) <= 3


def test_thread_page_query_count_is_constant(client: FlaskClient, world: World, db: Any) -> None:
    _fill(world, threads=1, replies=1)
    db.session.commit()
    login(client, world.reviewer.email)
    url = _url(world)
    client.get(url)
    with count_queries(db) as few:
        assert client.get(url).status_code == 200
    _fill(world, threads=10, replies=3)
    db.session.commit()
    with count_queries(db) as many:
        page = client.get(url).get_data(as_text=True)
    assert page.count('data-testid="thread"') == 11
    assert len(few) == len(many) <= 12


# --------------------------------------------------------------------------- canned comments


def _canned_rows(db: Any, instansi_id: int) -> list[tuple[int, str, bool]]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(CannedComment).where(CannedComment.instansi_id == instansi_id).order_by(CannedComment.id)
    )
    return [(row.id, row.title, row.active) for row in rows]


def test_canned_page_shows_defaults_unsaved_until_a_post(client: FlaskClient, world: World, db: Any) -> None:
    instansi_id = world.instansi.id
    url = f"/instansi/{instansi_id}/komentar-siap/"
    login(client, world.koordinator.email)
    page = client.get(url).get_data(as_text=True)
    assert page.count('data-testid="canned-default"') == 4
    assert 'data-testid="canned-row"' not in page
    assert "Kebijakan belum ditetapkan secara resmi" in page
    assert 'data-testid="save-canned-defaults"' in page
    assert _canned_rows(db, instansi_id) == []  # the GET wrote nothing
    saved = client.post(f"{url}bawaan")
    assert saved.status_code == 302
    assert len(_canned_rows(db, instansi_id)) == 4
    page = client.get(url).get_data(as_text=True)
    assert page.count('data-testid="canned-row"') == 4
    assert 'data-testid="canned-default"' not in page
    assert 'data-testid="save-canned-defaults"' not in page
    client.post(f"{url}bawaan")  # a second time adds nothing
    assert len(_canned_rows(db, instansi_id)) == 4
    client.post("/logout")
    login(client, world.reviewer.email)
    assert client.post(f"{url}bawaan").status_code == 403


def test_first_canned_comment_added_stores_the_defaults_with_it(
    client: FlaskClient, world: World, db: Any
) -> None:
    instansi_id = world.instansi.id
    login(client, world.koordinator.email)
    data = {"title": "Tanda tangan", "body": "Lampirkan versi bertanda tangan.", "instrument_code": "", "level": "0"}
    assert client.post(f"/instansi/{instansi_id}/komentar-siap/", data=data).status_code == 302
    titles = [title for _id, title, _active in _canned_rows(db, instansi_id)]
    assert len(titles) == 5
    assert titles[-1] == "Tanda tangan"
    assert "Kebijakan belum ditetapkan secara resmi" in titles


def test_canned_page_koordinator_manages(client: FlaskClient, world: World, db: Any) -> None:
    instansi_id = world.instansi.id
    url = f"/instansi/{instansi_id}/komentar-siap/"
    login(client, world.koordinator.email)

    bad = client.post(url, data={"title": "", "body": "isi", "instrument_code": "", "level": "0"})
    assert bad.status_code == 400
    assert "Judul tidak boleh kosong." in bad.get_data(as_text=True)
    unknown = client.post(
        url, data={"title": "T", "body": "isi", "instrument_code": "spbe-2020", "indicator_code": "I999", "level": "0"}
    )
    assert unknown.status_code == 400
    assert "Kode indikator tidak ada" in unknown.get_data(as_text=True)
    created = client.post(
        url,
        data={
            "title": "Arsitektur belum direviu",
            "body": "Reviu arsitektur belum dilakukan.",
            "instrument_code": "spbe-2020",
            "indicator_code": "i1",
            "level": "4",
            "active": "y",
        },
    )
    assert created.status_code == 302
    row = db.session.scalar(select(CannedComment).where(CannedComment.title == "Arsitektur belum direviu"))
    assert row is not None
    assert (row.instrument_code, row.indicator_code, row.level, row.active) == (
        "spbe-2020",
        "I1",
        4,
        True,
    )
    edit = client.post(
        f"{url}{row.id}",
        data={
            "title": "Arsitektur belum direviu",
            "body": "Diubah.",
            "instrument_code": "spbe-2020",
            "indicator_code": "I1",
            "level": "4",
            "active": "y",
        },
    )
    assert edit.status_code == 302
    db.session.refresh(row)
    assert row.body == "Diubah."
    assert client.post(f"{url}{row.id}/aktif", data={"active": "0"}).status_code == 302
    db.session.refresh(row)
    assert row.active is False
    assert client.post(f"{url}{row.id}/aktif", data={"active": "1"}).status_code == 302
    db.session.refresh(row)
    assert row.active is True


@pytest.mark.parametrize(("who", "status"), [("reviewer", 403), ("pengisi", 403), ("outsider", 404)])
def test_canned_page_is_for_the_koordinator(client: FlaskClient, world: World, who: str, status: int) -> None:
    login(client, world.member(who).email)
    assert client.get(f"/instansi/{world.instansi.id}/komentar-siap/").status_code == status


def test_canned_comments_offered_by_indicator_and_level(world: World, db: Any) -> None:
    iid = world.instansi.id
    # Without any rows the defaults are offered, unsaved.
    defaults = service.canned_options(instansi_id=iid, instrument_code="spbe-2020", indicator_code="I1", level=3)
    assert [o.level for o in defaults] == [3, 2, None]  # level 4 (review document) is not for a level-3 claim
    assert db.session.scalar(select(CannedComment.id)) is None
    service.ensure_canned_defaults(iid)
    for title, instrument, indicator, level in [
        ("khusus I1", "spbe-2020", "I1", None),
        ("khusus I2", "spbe-2020", "I2", None),
        ("pemdi saja", "pemdi-2026", None, None),
    ]:
        service.save_canned(
            instansi_id=iid,
            data=service.CannedInput(title, "isi", instrument, indicator, level),
            actor=world.koordinator,
        )
    titles = [
        o.title for o in service.canned_options(instansi_id=iid, instrument_code="spbe-2020", indicator_code="I1")
    ]
    assert titles[0] == "khusus I1"
    assert "khusus I2" not in titles
    assert "pemdi saja" not in titles
    assert "Bukti tidak menunjukkan fitur layanan yang diklaim" in titles
    level_one = service.canned_options(instansi_id=iid, instrument_code="spbe-2020", indicator_code="I2", level=1)
    assert [o.title for o in level_one] == ["khusus I2", "Bukti tidak menunjukkan fitur layanan yang diklaim"]


def test_canned_insertion_on_the_comment_form(client: FlaskClient, world: World, db: Any) -> None:
    iid = world.instansi.id
    service.ensure_canned_defaults(iid)
    db.session.commit()
    policy = db.session.scalar(select(CannedComment).where(CannedComment.level == 2))
    assert policy is not None
    login(client, world.reviewer.email)
    page = client.get(_url(world)).get_data(as_text=True)
    # JavaScript inserts the text in place (keyboard: the select and a real button) ...
    assert "data-canned-insert" in page
    assert "data-canned-select" in page
    assert re.search(rf'<option value="{policy.id}" data-body="[^"]*ditetapkan secara resmi', page)
    # ... and without JavaScript "Sisipkan" posts the form back with the text inserted, saving nothing.
    response = client.post(
        _url(world), data={"body": "Catatan saya.", "canned_id": str(policy.id), "action": "insert"}
    )
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert re.search(r"Catatan saya\.\s+Dokumen kebijakan yang dilampirkan", text)
    assert _comments(db) == []
    # A deactivated canned comment is no longer offered.
    service.set_canned_active(canned=policy, active=False, actor=world.koordinator)
    db.session.commit()
    assert f'<option value="{policy.id}"' not in client.get(_url(world)).get_data(as_text=True)
