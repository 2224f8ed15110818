"""A dialer's flow through the Python client generated from `openapi.yaml`.

Run by `scripts/client-check.py` with the generated `filmroom_client` package
on PYTHONPATH: `python client_flow.py BASE_URL ADMIN_TOKEN RECORDING.wav`.
Every step goes through the generated functions and models, never by hand,
so a schema the client cannot read fails here.
"""

from __future__ import annotations

import json
import sys
import time
import uuid

from filmroom_client import AuthenticatedClient
from filmroom_client.api.calls import get_call, get_peaks, get_transcript, put_transcript
from filmroom_client.api.comments import create_comment, list_comments
from filmroom_client.api.integrations import create_integration_token, get_pushed_call, list_pushed_calls, push_call
from filmroom_client.api.people import create_user, list_users, me
from filmroom_client.api.tokens import create_token, list_tokens
from filmroom_client.models import (
    CallBody,
    CommentKindBody,
    CreateCommentRequest,
    CreateIntegrationTokenRequest,
    CreateTokenRequest,
    CreateUserRequest,
    Problem,
    PushCallUpload,
    PutTranscriptFormat,
    RoleBody,
    SegmentBody,
    TranscriptUpload,
)
from filmroom_client.types import File


def step(message: str) -> None:
    print(f"client-flow: {message}", flush=True)


def expect(value, kind):
    if not isinstance(value, kind):
        raise SystemExit(f"client-flow: FAIL: expected {kind.__name__}, got {value!r}")
    return value


def main() -> None:
    base, admin_secret, recording = sys.argv[1], sys.argv[2], sys.argv[3]
    admin = AuthenticatedClient(base_url=base, token=admin_secret, raise_on_unexpected_status=True)

    step("people and tokens")
    expect(me.sync(client=admin), object)
    rep = create_user.sync(client=admin, body=CreateUserRequest(
        email="rep@client.example", name="Rita Rep", role=RoleBody.REP))
    rep_token = create_token.sync(rep.id, client=admin, body=CreateTokenRequest(name="rita laptop"))
    rep_client = AuthenticatedClient(base_url=base, token=rep_token.secret, raise_on_unexpected_status=True)
    users = list_users.sync(client=admin, limit=1)
    assert len(users.items) == 1 and users.next_cursor, "the first page of one has a next cursor"
    second = list_users.sync(client=admin, limit=1, cursor=users.next_cursor)
    assert second.items[0].id != users.items[0].id, "the cursor moves on"

    step("an integration token, sent twice with one Idempotency-Key")
    body = CreateIntegrationTokenRequest(name="Dialer", source="dialer")
    first = create_integration_token.sync(client=admin, body=body, idempotency_key="dialer-token-1")
    again = create_integration_token.sync(client=admin, body=body, idempotency_key="dialer-token-1")
    assert first.secret and not first.secret_already_shown, first
    assert again.token.id == first.token.id, "a replay names the token the first request made"
    assert again.secret is None and again.secret_already_shown, again
    dialer = AuthenticatedClient(base_url=base, token=first.secret, raise_on_unexpected_status=True)

    step("push a call as multipart, then poll it until it is analysed")
    metadata = {"rep": {"email": "rep@client.example"}, "external_ref": "CLIENT-1", "direction": "inbound"}
    with open(recording, "rb") as audio:
        pushed = push_call.sync(client=dialer, body=PushCallUpload(
            metadata=json.dumps(metadata),
            audio=File(payload=audio, file_name="call.wav", mime_type="audio/wav")))
    expect(pushed, CallBody)
    deadline = time.time() + 60
    call = get_pushed_call.sync(pushed.id, client=dialer)
    while call.status.value in ("uploading", "queued", "processing"):
        if time.time() > deadline:
            raise SystemExit(f"client-flow: FAIL: the pushed call stayed {call.status.value}")
        time.sleep(0.2)
        call = get_pushed_call.sync(pushed.id, client=dialer)
    assert call.status.value == "ready", call
    found = list_pushed_calls.sync(client=dialer, external_ref="CLIENT-1")
    assert [c.id for c in found.items] == [pushed.id], found
    peaks = get_peaks.sync(pushed.id, client=rep_client)
    assert peaks.version == 2 and peaks.length > 0 and len(peaks.data) > 0, peaks

    step("import a transcript as JSON, then as WebVTT")
    lines = TranscriptUpload(items=[
        SegmentBody(start_ms=0, end_ms=900, speaker="Customer", text="What does it cost?"),
        SegmentBody(start_ms=1000, end_ms=1800, speaker="Rep", text="Let me ask about your team first."),
    ])
    stored = put_transcript.sync(pushed.id, client=rep_client, body=lines)
    assert [s.text for s in stored.items] == ["What does it cost?", "Let me ask about your team first."], stored
    vtt = b"WEBVTT\n\n00:00.000 --> 00:01.000\n<v Customer>Is there a discount?\n"
    stored = put_transcript.sync(pushed.id, client=rep_client, body=File(payload=vtt, mime_type="text/vtt"))
    assert [(s.speaker, s.text) for s in stored.items] == [("Customer", "Is there a discount?")], stored
    assert get_transcript.sync(pushed.id, client=rep_client).items[0].text == "Is there a discount?"
    srt = b"1\n00:00:00,000 --> 00:00:01,200\nCan we start next week?\n"
    stored = put_transcript.sync(pushed.id, client=rep_client, body=File(payload=srt), format_=PutTranscriptFormat.SRT)
    assert [s.text for s in stored.items] == ["Can we start next week?"], stored
    stored = put_transcript.sync(pushed.id, client=rep_client, body=File(payload=vtt))

    step("comment, and read the comments back")
    comment = create_comment.sync(pushed.id, client=rep_client, body=CreateCommentRequest(
        at_ms=500, body="I answered the price before asking why", kind=CommentKindBody.IMPROVE))
    listed = list_comments.sync(pushed.id, client=rep_client, with_transcript=True)
    assert [c.id for c in listed.items] == [comment.id], listed
    assert listed.items[0].transcript.text == "Is there a discount?", listed.items[0]

    step("errors arrive as problem+json")
    missing = get_call.sync(uuid.uuid4(), client=rep_client)
    expect(missing, Problem)
    assert missing.status == 404 and missing.code == "call_not_found" and missing.request_id, missing
    refused = me.sync(client=dialer)
    expect(refused, Problem)
    assert refused.code == "integration_token_not_allowed", refused
    tokens = list_tokens.sync(rep.id, client=admin)
    assert all(t.prefix for t in tokens.items), tokens
    step("passed")


if __name__ == "__main__":
    main()
