"""``observatory replay DIR``: post a folder of hook payloads in order (demos, tests, imports)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import click

from workers.cli.common import HOOK_PATH, api_url, find_agent_key, load_settings, port_option


@click.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--url", default=None, help="Observatory's base URL [default: http://127.0.0.1:PORT]."
)
@port_option
@click.option(
    "--idempotent/--no-idempotent",
    default=True,
    show_default=True,
    help="Send an Idempotency-Key per file, so replaying twice records each hook once.",
)
@click.option("--quiet", is_flag=True, help="Print only the summary.")
@click.option(
    "--key", default=None,
    help="Agent key [env: OBSERVATORY_KEY; default: the key `observatory up` saved].",
)  # fmt: skip
def replay(
    directory: Path, url: str | None, port: int | None, idempotent: bool, quiet: bool,
    key: str | None,
) -> None:  # fmt: skip
    """Post every *.json file of DIRECTORY (sorted by name) as a Claude Code hook.

    \b
    Example, from a clone after `make up` (in another terminal):
      .venv/bin/observatory replay tests/corpus/claude_hooks/s1_ledger_api
    """
    import httpx

    settings = load_settings(port=port)
    base = api_url(settings, url)
    credential, source = (key, "--key") if key else find_agent_key(settings)
    files = sorted(directory.glob("*.json"))
    if not files:
        raise click.ClickException(f"no *.json files in {directory}")
    counts: dict[str, int] = {}
    sessions: set[str] = set()
    last_position = None
    with httpx.Client(base_url=base, timeout=30) as client:
        for path in files:
            body = path.read_bytes()
            headers = {"Content-Type": "application/json"}
            if credential:
                headers["Authorization"] = f"Bearer {credential}"
            if idempotent:
                digest = hashlib.sha256(str(path.resolve()).encode() + b"\0" + body).hexdigest()
                headers["Idempotency-Key"] = f"replay-{digest[:48]}"
            try:
                response = client.post(HOOK_PATH, content=body, headers=headers)
            except httpx.HTTPError as error:
                raise click.ClickException(
                    f"cannot reach Observatory at {base} ({error}); is `observatory up` running?"
                ) from None
            if response.status_code in (401, 403):
                detail = f"{response.status_code}: {response.json().get('detail')}"
                if credential is None:
                    raise click.ClickException(f"Observatory needs an agent key ({detail}) and "
                                               f"{source}; or pass --key")  # fmt: skip
                raise click.ClickException(
                    f"Observatory refused the agent key from {source} ({detail}); pass --key "
                    "or set OBSERVATORY_KEY to a valid one"
                )
            outcome = _outcome(response)
            counts[outcome] = counts.get(outcome, 0) + 1
            if response.is_success:
                last_position = response.headers.get("observatory-position", last_position)
                sessions.update(_session(body))
            if not quiet:
                reply = response.text.strip().replace("\n", " ")
                click.echo(f"{response.status_code}  {path.name:<55} {reply[:90]}")
    summary = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()))
    click.echo(f"\nPosted {len(files)} files: {summary}.")
    if sessions and last_position:
        session = sorted(sessions)[0]
        click.echo(
            f"See it in GraphiQL at {base}/graphql with:\n"
            f'  {{ session(id: "{session}", minPosition: {last_position}) '
            "{ status eventCount toolCalls { toolName status durationMs agentId } "
            "subagents { agentId agentType } } }"
        )


def _outcome(response: object) -> str:
    status = getattr(response, "status_code", 0)
    if status >= 500:
        return "failed"
    if status >= 400:
        return "refused"
    return "replayed" if getattr(response, "headers", {}).get("idempotent-replayed") else "recorded"


def _session(body: bytes) -> list[str]:
    try:
        session = json.loads(body).get("session_id")
    except (ValueError, AttributeError):
        return []
    return [session] if isinstance(session, str) else []
