#!/usr/bin/env python3
"""Writes signed Webex webhook deliveries as raw HTTP requests, for bench/deliveries.lua.

Each delivery is a `messages`/`created` envelope shaped like the ones Webex posts, with its own
`data.id`, signed as Webex signs: `X-Spark-Signature` is the lowercase hex HMAC-SHA1 of the exact
body, keyed with the webhook secret. Every field is fixed-width, so that every request has the
same length and the Lua script can slice them without parsing.

Writes OUT/deliveries.<t>.http for t in 0..threads: distinct deliveries for each wrk thread
(delivery n goes to thread n % threads, so that the threads' ids interleave in time).
"""

import argparse
import base64
import hashlib
import hmac
import os
import secrets


def webex_id(kind: str, uuid: str) -> str:
    return base64.b64encode(f"ciscospark://us/{kind}/{uuid}".encode()).decode().rstrip("=")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--secret", required=True, help="the bot's WEBEX_WEBHOOK_SECRET")
    parser.add_argument("--count", type=int, required=True, help="deliveries in all")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (one file each)")
    parser.add_argument("--out", required=True, help="directory to write into")
    parser.add_argument("--ids", choices=("v1", "random"), default="v1",
                        help="time-based message ids as Webex's (default), or random ones")
    args = parser.parse_args()

    key = args.secret.encode()
    # Webex's ids are time-based (version 1) UUIDs. By default the deliveries are messages sent
    # 30 µs apart from a random moment on, so that a new run never repeats an earlier run's ids;
    # with --ids random they are version 4 UUIDs instead, which land all over the dedupe index.
    start = (0x1F0 << 48) + secrets.randbits(44)
    clock_node = f"{0x8000 | secrets.randbits(14):04x}-{secrets.randbits(48):012x}"

    def uuid(n: int) -> str:
        if args.ids == "random":
            hi, lo = secrets.randbits(64), secrets.randbits(62)
            return f"{hi >> 32:08x}-{(hi >> 16) & 0xFFFF:04x}-4{hi & 0xFFF:03x}-{0x8000 | lo >> 48:04x}-{lo & (1 << 48) - 1:012x}"
        time = start + n * 300  # in units of 100 ns
        return f"{time & 0xFFFFFFFF:08x}-{(time >> 32) & 0xFFFF:04x}-1{(time >> 48) & 0xFFF:03x}-{clock_node}"
    org = webex_id("ORGANIZATION", "1eb65fdf-9643-417f-9974-ad72cae0e10f")
    bot = webex_id("PEOPLE", "5b3f4c9e-2a57-4c34-9f0b-0c2d2f1d7e11")
    manager = webex_id("PEOPLE", "f5b3a6c2-8b2e-4a55-9f2e-9d0c0f7a1b22")
    room = webex_id("ROOM", "bd1c5a70-3f4c-11ef-b2a1-5b4e7d0b9c33")
    app = webex_id("APPLICATION", "C80fb9c7096bd8474627317ee1d7a3ab2f5fcb7b0b69bc1a5e5b2c7c0d9e8f7a6")
    hook = webex_id("WEBHOOK", "96abc2aa-3dcc-11e5-a152-fe34819cdc9a")
    head = (
        f'{{"id":"{hook}","name":"webex-onboard messages",'
        f'"targetUrl":"https://onboard.example.com/webhook","resource":"messages",'
        f'"event":"created","orgId":"{org}","createdBy":"{bot}","appId":"{app}",'
        f'"ownedBy":"creator","status":"active","created":"2026-01-05T09:00:00.000Z",'
        f'"actorId":"{manager}","data":{{"id":"'
    )
    tail = (
        f'","roomId":"{room}","roomType":"direct","personId":"{manager}",'
        f'"personEmail":"manager@hr.example.com","created":"2026-01-05T09:30:00.000Z"}}}}'
    )

    os.makedirs(args.out, exist_ok=True)
    per_thread = -(-args.count // args.threads)
    length = None
    for t in range(args.threads):
        with open(os.path.join(args.out, f"deliveries.{t}.http"), "wb", buffering=1 << 20) as out:
            for n in range(per_thread):
                message = webex_id("MESSAGE", uuid(n * args.threads + t))
                body = f"{head}{message}{tail}".encode()
                signature = hmac.new(key, body, hashlib.sha1).hexdigest()
                request = (
                    "POST /webhook HTTP/1.1\r\n"
                    "Host: 127.0.0.1\r\n"
                    "Content-Type: application/json; charset=utf-8\r\n"
                    f"X-Spark-Signature: {signature}\r\n"
                    f"Content-Length: {len(body)}\r\n"
                    "\r\n"
                ).encode() + body
                if length is None:
                    length = len(request)
                assert len(request) == length, "every request must have the same length"
                out.write(request)
    print(f"{per_thread * args.threads} deliveries of {length} bytes in {args.threads} files")


if __name__ == "__main__":
    main()
