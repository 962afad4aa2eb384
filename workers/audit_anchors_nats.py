"""Audit anchors in NATS JetStream: a second place, outside the database, that remembers them.

One stream (``<OBSERVATORY_NATS_STREAM>_AUDIT``) on one subject
(``<prefix>-audit.anchors.v1``), apart from the event stream so that its consumers never see
anchors and its retention never drops them. Each message is one anchor line; its
``Nats-Msg-Id`` is the anchor's id, so a retried publish is stored once.
"""

from __future__ import annotations

from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from domain.audit.anchors import Anchor, AnchorFormatError, Found, anchor_id, parse_anchor
from infra.nats import MSG_ID_HEADER, connect, read_stream
from infra.settings import Settings


class NatsAnchors:
    def __init__(self, settings: Settings) -> None:
        if not settings.nats_url:
            raise ValueError("NatsAnchors needs OBSERVATORY_NATS_URL")
        self.url = settings.nats_url
        self.stream = f"{settings.nats_stream}_AUDIT"
        self.subject = f"{settings.nats_subject_prefix}-audit.anchors.v1"

    async def read(self) -> list[Found]:
        client = await connect(self.url, name="observatory-audit")
        try:
            js = client.jetstream()
            found: list[Found] = []
            try:
                async for message in read_stream(js, self.stream, subject=self.subject):
                    where = f"nats:{self.stream}#{message.metadata.sequence.stream}"
                    try:
                        found.append((where, parse_anchor(message.data.decode())))
                    except (AnchorFormatError, UnicodeDecodeError) as error:
                        found.append((where, str(error)))
            except NotFoundError:
                return []
            return found
        finally:
            await client.close()

    async def publish(self, anchor: Anchor) -> None:
        client = await connect(self.url, name="observatory-audit")
        try:
            js = client.jetstream()
            try:
                await js.stream_info(self.stream)
            except NotFoundError:
                await js.add_stream(StreamConfig(
                    name=self.stream, subjects=[self.subject], storage=StorageType.FILE,
                    description="Observatory audit anchors (see docs/security.md)",
                ))  # fmt: skip
            await js.publish(self.subject, anchor.to_line().encode(), stream=self.stream,
                             headers={MSG_ID_HEADER: anchor_id(anchor)})  # fmt: skip
        finally:
            await client.close()
