"""Long threads and many mentions (issue 12, finding 20).

A thousand comments on one answer make a page no more than twice the size of one with twenty (a thousand threads,
or one thread of a thousand replies) or with a page's worth of threads of ten (two hundred comments: a page shows
the twenty most recently active threads with their five newest replies), with the same number of queries, and every
one of them stays reachable through the "tampilkan sebelumnya" links. A thousand mentions of one person make one
unread notification (saying how many) and one e-mail; once it is read, the next mention makes a new one.
"""

from __future__ import annotations

import re
import socket
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from assess import mail
from assess.models import Comment, Notification, NotificationKind
from assess.services import comments as service
from assess.services import notifications
from tests.functional.helpers import count_queries, login
from tests.worlds import World, build_world

#: Comments per shape: (threads, replies per thread) for the small and the large case.
SHAPES = {
    "a thousand threads": ((20, 0), (1000, 0)),
    "one thread of a thousand": ((1, 19), (1, 999)),
    "a hundred threads of ten": ((20, 9), (100, 9)),
}
LINK = re.compile(r'<a href="([^"]+)" data-testid="(?:earlier-threads|earlier-replies)"')
ANCHOR = re.compile(r'id="komentar-(\d+)"')


@pytest.fixture
def world(db: Any) -> World:
    """Answers assigned to Diskominfo, its pengisi (Budi), a koordinator and a reviewer (Rina)."""
    built = build_world(
        members=("pengisi", "koordinator", "reviewer"),
        outsider=(),
        emails={"pengisi": "budi@kota.go.id", "reviewer": "rina@kota.go.id"},
    )
    db.session.commit()
    return built


def _grow(db: Any, world: World, threads: int, replies: int) -> list[int]:
    """Threads of ``replies`` replies each, written straight to the table (the service's checks are tested
    elsewhere); returns the ids of every comment."""
    answer = world.answer("I1")
    authors = (world.koordinator, world.pengisi, world.reviewer)
    ids = []
    for t in range(threads):
        top = Comment(
            assessment_id=answer.assessment_id,
            answer_id=answer.id,
            author_id=authors[t % 3].id,
            body=f"Diskusi {t}: mohon lampirkan notulen rapat tim koordinasi SPBE beserta daftar hadirnya.",
        )
        db.session.add(top)
        db.session.flush()
        rows = [
            Comment(
                assessment_id=answer.assessment_id,
                answer_id=answer.id,
                parent_id=top.id,
                author_id=authors[(t + r + 1) % 3].id,
                body=f"Balasan {r} pada diskusi {t}: notulen sudah diunggah ke pustaka, mohon diperiksa kembali.",
            )
            for r in range(replies)
        ]
        db.session.add_all(rows)
        db.session.flush()
        ids += [top.id, *(row.id for row in rows)]
    db.session.commit()
    return ids


def _measure(client: FlaskClient, db: Any, urls: list[str]) -> dict[str, tuple[int, int]]:
    """Per page: its size in bytes and its number of queries."""
    sizes = {}
    for url in urls:
        client.get(url)  # warm the instrument cache
        with count_queries(db) as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        sizes[url] = (len(response.get_data()), len(statements))
    return sizes


def _reachable(client: FlaskClient, start: str) -> tuple[set[int], int]:
    """The comments shown on ``start`` and on every page its "tampilkan sebelumnya" links lead to."""
    seen: set[int] = set()
    queue, visited = [start], set()
    while queue:
        url = queue.pop()
        if url in visited:
            continue
        visited.add(url)
        page = client.get(url).get_data(as_text=True)
        seen |= {int(n) for n in ANCHOR.findall(page)}
        queue += [unescape(href).partition("#")[0] for href in LINK.findall(page)]
    return seen, len(visited)


@pytest.mark.parametrize("shape", SHAPES)
def test_a_thousand_comments_make_no_bigger_page_and_all_stay_reachable(
    client: FlaskClient, world: World, db: Any, shape: str
) -> None:
    (small_threads, small_replies), (large_threads, large_replies) = SHAPES[shape]
    assessment, answer = world.assessment, world.answer("I1")
    urls = [
        f"/penilaian/{assessment.id}/indikator/I1",
        f"/penilaian/{assessment.id}/komentar/jawaban/{answer.id}",
    ]
    login(client, world.reviewer.email)
    first = _grow(db, world, small_threads, small_replies)
    small = _measure(client, db, urls)
    rest = _grow(db, world, large_threads - small_threads, large_replies) if large_threads > small_threads else []
    if large_replies > small_replies:  # one thread: the replies grow
        top = db.session.get(Comment, first[0])
        rest += [c.id for c in _more_replies(db, world, top, large_replies - small_replies)]
    every = set(first) | set(rest)
    assert len(every) == 1000
    large = _measure(client, db, urls)
    for url in urls:
        print(f"{shape}: {url} {len(first)} comments {small[url][0]} bytes, 1000 comments {large[url][0]} bytes")
        assert large[url][0] <= 2 * small[url][0], (url, small[url], large[url])
        assert large[url][1] == small[url][1], (url, small[url], large[url])
    seen, pages = _reachable(client, urls[1])
    print(f"{shape}: all 1000 comments reached through {pages} pages")
    assert every <= seen


def _more_replies(db: Any, world: World, top: Comment, n: int) -> list[Comment]:
    rows = [
        Comment(
            assessment_id=top.assessment_id,
            answer_id=top.answer_id,
            parent_id=top.id,
            author_id=world.pengisi.id,
            body=f"Balasan tambahan {r}: notulen sudah diunggah ke pustaka, mohon diperiksa kembali.",
        )
        for r in range(n)
    ]
    db.session.add_all(rows)
    db.session.commit()
    return rows


def test_a_reply_that_fails_comes_back_in_its_thread_wherever_it_is(
    client: FlaskClient, world: World, db: Any
) -> None:
    oldest = _grow(db, world, 60, 0)[0]
    login(client, world.pengisi.email)
    url = f"/penilaian/{world.assessment.id}/komentar/jawaban/{world.answer('I1').id}"
    response = client.post(url, data={"body": "   ", "parent_id": str(oldest), "action": "post"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="komentar-{oldest}"' in page
    assert "Komentar tidak boleh kosong." in page
    assert client.get(f"{url}?diskusi=999999").status_code == 404


# --------------------------------------------------------------------------- mentions


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _mentions(db: Any, user: Any) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id, Notification.kind == NotificationKind.MENTION)
            .order_by(Notification.id)
        )
    )


def test_a_thousand_mentions_make_one_unread_notification_and_one_mail(
    world: World, db: Any, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Mail is on; nobody listens at the port, so what would have been sent is counted before each commit.
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", _closed_port())
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 1)
    assessment, answer = world.assessment, world.answer("I1")
    budi, rina = world.pengisi, world.reviewer
    mails: list[str] = []

    def say(body: str, **target: Any) -> Comment:
        comment = service.add_comment(assessment=assessment, author=world.koordinator, body=body, **target)
        mails.extend(m.to for m in mail.pending())
        db.session.commit()
        return comment

    for n in range(1000):
        last = say(f"@budi mohon periksa bukti nomor {n}.", answer=answer)
    [note] = _mentions(db, budi)
    assert note.read_at is None
    assert note.message.startswith("1.000 komentar menyebut Anda pada indikator I1")
    assert "mohon periksa bukti nomor 999." in note.message
    assert note.url.endswith(f"#komentar-{last.id}")
    assert mails == ["budi@kota.go.id"]

    # Another person in the same comment gets their own; another answer has a notification of its own.
    say("@budi @rina keduanya tolong dicek.", answer=answer)
    [note] = _mentions(db, budi)
    assert note.message.startswith("1.001 komentar menyebut Anda")
    [for_rina] = _mentions(db, rina)
    assert "menyebut Anda dalam komentar" in for_rina.message
    other = next(a for a in assessment.answers if a.indicator.code == "I2")
    say("@budi yang ini juga.", answer=other)
    assert len(_mentions(db, budi)) == 2
    assert mails == ["budi@kota.go.id", "rina@kota.go.id", "budi@kota.go.id"]

    # Read: the next mention is a new notification, with its own e-mail.
    notifications.mark_read(user=budi)
    db.session.commit()
    say("@budi satu lagi.", answer=answer)
    *read, unread = _mentions(db, budi)
    assert len(read) == 2
    assert all(n.read_at is not None for n in read)
    assert unread.read_at is None
    assert "menyebut Anda dalam komentar" in unread.message
    assert notifications.unread_count(budi) == 1
    assert mails == ["budi@kota.go.id", "rina@kota.go.id", "budi@kota.go.id", "budi@kota.go.id"]


def test_a_link_to_a_comment_shows_its_thread_however_many_newer_threads_there_are(
    world: World, db: Any, client: FlaskClient
) -> None:
    assessment, answer, budi = world.assessment, world.answer("I1"), world.pengisi
    old = service.add_comment(
        assessment=assessment, author=world.koordinator, body="@budi mohon lengkapi notulen.", answer=answer
    )
    db.session.commit()
    reply = service.add_comment(
        assessment=assessment, author=world.reviewer, body="@budi dan daftar hadirnya.", answer=answer, parent=old
    )
    db.session.commit()
    _grow(db, world, 25, 0)  # 25 newer threads push the old one off the first page
    login(client, budi.email)
    plain = client.get(f"/penilaian/{assessment.id}/indikator/I1").get_data(as_text=True)
    assert f'id="komentar-{old.id}"' not in plain
    [note] = _mentions(db, budi)
    for url in (note.url, service.comment_path(reply)):
        page = client.get(url.split("#")[0])
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert f'id="komentar-{old.id}"' in html, url
        assert f'id="komentar-{reply.id}"' in html, url
    inbox = client.get("/saya/").get_data(as_text=True)
    [mine] = [unescape(u) for u in re.findall(r'href="([^"]*#komentar-\d+)"', inbox)]
    assert f'id="komentar-{old.id}"' in client.get(mine.split("#")[0]).get_data(as_text=True)
