#!/usr/bin/env python3
"""A fault-injecting HTTP proxy for the Kinesis/STS wire protocol, on loopback only.

    python3 tests/Support/FaultProxy.py --upstream http://127.0.0.1:UPSTREAM --port PORT [--seed 42]
                                        [--rules '{"rules": [...]}']

It sits between the module (-EndpointUrl / AWS_ENDPOINT_URL = the proxy) and an emulator
(moto_server or kinesis-local) and forwards every request unchanged (Host header included, so
a SigV4 signature stays valid), except where a rule injects a fault. Python 3 stdlib only.

Control API (same port, never forwarded):
    GET  /__proxy/health            {"ok": true}
    POST /__proxy/rules             body {"seed": 42, "pageSize": 25, "rules": [ ... ]}: replaces the
                                    rules, reseeds the random generator, clears rule counters
    POST /__proxy/reset             no rules, empty log, fresh counters (seed unchanged)
    GET  /__proxy/log               {"requests": [...]} one entry per request (see Entry below)
    GET  /__proxy/count             {"requests": N} how many requests the log holds

A rule: {"op": "GetRecords", "fault": "<kind>", "share": 0.3, "skip": 0, "limit": 10, ...}; the first rule
that fires for a request decides its fate.
    op      operation to match: a Kinesis operation (X-Amz-Target) or an STS action (form Action=),
            "*" for every request, "kinesis:*" for every Kinesis request. Default "*".
    share   probability that a matching request gets the fault (seeded generator). Default 1.
    skip    let this many matching requests through first. Default 0.
    limit   inject at most this many times in all. Default unlimited.
    perShard  with GetRecords: skip/limit count per shard instead of in all.
Fault kinds:
    throttle           400 {"__type": "ProvisionedThroughputExceededException", ...}
    expired-iterator   400 {"__type": "ExpiredIteratorException", ...}
    error              400 (or "status") with {"__type": errorType, "message": ...}
    status             "status" with "body" (text, may be empty) and "contentType" (e.g. 500 empty, 503 HTML, 403 XML)
    reset              forwards, then sends the headers and half of the body and resets the connection (RST)
    drop               resets the connection without any answer (nothing forwarded)
    delay              forwards, then waits "seconds" before answering (past the client's attempt timeout)
    expired-token      per access key id: after "afterCalls" matching calls signed with one key, every
                       later call with that key gets 400 ExpiredTokenException (the key has "expired")
    reject-put         PutRecords: each entry is rejected with probability "share" (at most "maxPerRecord"
                       times per distinct record), and always when its data contains "alwaysRejectMarker";
                       only the accepted entries are forwarded; the answer merges both, in order.
pageSize (top level): GetRecords asks the emulator for at most this many records; an answer that is
    exactly that full reports MillisBehindLatest >= 1 (more may follow), as Kinesis would.

Entry (log): t (epoch seconds), op, key (access key id, never a secret), shard (GetRecords/
    GetShardIterator, when known), fault (kind or null), status, records (GetRecords answers),
    entries/rejected/accepted (PutRecords).

When the upstream is down, the client's connection is reset (as a refused/reset connection looks).
"""
import argparse
import base64
import hashlib
import http.client
import http.server
import json
import random
import re
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "content-length"}
CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
MAX_LOG = 200000


class State:
    def __init__(self, seed):
        self.lock = threading.Lock()
        self.seed = seed
        self.random = random.Random(seed)
        self.rules = []
        self.page_size = None
        self.log = []
        self.iterator_shard = {}     # shard iterator -> shard id (learned from answers)
        self.key_calls = {}          # access key id -> matching calls (expired-token)
        self.record_rejections = {}  # record digest -> times rejected (reject-put)

    def configure(self, config):
        with self.lock:
            if "seed" in config:
                self.seed = int(config["seed"])
            self.random = random.Random(self.seed)
            self.rules = []
            for r in config.get("rules", []):
                rule = dict(r)
                rule.setdefault("op", "*")
                rule.setdefault("share", 1.0)
                rule.setdefault("skip", 0)
                rule["_seen"] = 0
                rule["_applied"] = 0
                rule["_perShard"] = {}
                self.rules.append(rule)
            self.page_size = config.get("pageSize")
            self.key_calls = {}
            self.record_rejections = {}

    def reset(self):
        with self.lock:
            self.rules = []
            self.page_size = None
            self.log = []
            self.key_calls = {}
            self.record_rejections = {}
            self.random = random.Random(self.seed)

    def add_log(self, entry):
        with self.lock:
            if len(self.log) < MAX_LOG:
                self.log.append(entry)

    def pick(self, op, service, shard):
        """The first rule that fires for this request (counters advance under the lock)."""
        with self.lock:
            for rule in self.rules:
                want = rule["op"]
                if not (want == "*" or want == op or (want == "kinesis:*" and service == "kinesis")):
                    continue
                if rule["fault"] in ("expired-token", "reject-put"):
                    return rule  # decided per key / per entry by the handler
                counters = rule
                if rule.get("perShard") and shard is not None:
                    counters = rule["_perShard"].setdefault(shard, {"_seen": 0, "_applied": 0})
                counters["_seen"] += 1
                if counters["_seen"] <= rule["skip"]:
                    continue
                if "limit" in rule and counters["_applied"] >= rule["limit"]:
                    continue
                if self.random.random() >= rule["share"]:
                    continue
                counters["_applied"] += 1
                return rule
            return None

    def key_expired(self, rule, key):
        with self.lock:
            n = self.key_calls.get(key, 0) + 1
            self.key_calls[key] = n
            return n > int(rule.get("afterCalls", 10))

    def reject_entry(self, rule, digest, data):
        with self.lock:
            marker = rule.get("alwaysRejectMarker")
            if marker and marker.encode("utf-8") in data:
                return True
            done = self.record_rejections.get(digest, 0)
            if done >= int(rule.get("maxPerRecord", 3)):
                return False
            if self.random.random() < float(rule.get("share", 0.3)):
                self.record_rejections[digest] = done + 1
                return True
            return False


class Upstream:
    """One keep-alive connection per handler thread; a stale one is replaced once."""

    def __init__(self, url):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme != "http" or parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("upstream must be http:// on loopback")
        self.host, self.port = parsed.hostname, parsed.port or 80
        self.local = threading.local()

    def send(self, method, path, headers, body):
        for attempt in (1, 2):
            conn = getattr(self.local, "conn", None)
            reused = conn is not None
            if conn is None:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
                self.local.conn = conn
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                if resp.will_close:
                    conn.close()
                    self.local.conn = None
                return resp.status, resp.reason, resp.getheaders(), data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, http.client.CannotSendRequest):
                conn.close()
                self.local.conn = None
                if not reused or attempt == 2:
                    raise
            except Exception:
                conn.close()
                self.local.conn = None
                raise


def json_error(error_type, message):
    return json.dumps({"__type": error_type, "message": message}).encode("utf-8")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "KxaFaultProxy/1"

    def log_message(self, fmt, *args):  # quiet: the JSON log is the record
        pass

    # ------------------------------------------------------------------ plumbing
    def _reply(self, status, body, content_type="application/x-amz-json-1.1", headers=()):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _reset(self):
        try:
            self.wfile.flush()
        except OSError:
            pass
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass

    def _read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    # ------------------------------------------------------------------ control API
    def _control(self, body):
        state = self.server.state
        path = self.path.split("?")[0]
        if path == "/__proxy/health":
            return self._reply(200, b'{"ok": true}', "application/json")
        if path == "/__proxy/rules" and self.command == "POST":
            state.configure(json.loads(body or b"{}"))
            return self._reply(200, b'{"ok": true}', "application/json")
        if path == "/__proxy/reset" and self.command == "POST":
            state.reset()
            return self._reply(200, b'{"ok": true}', "application/json")
        if path == "/__proxy/count":
            with state.lock:
                data = json.dumps({"requests": len(state.log)}).encode("utf-8")
            return self._reply(200, data, "application/json")
        if path == "/__proxy/log":
            with state.lock:
                entries = [dict(e) for e in state.log]  # handler threads still fill in their entries
            data = json.dumps({"requests": entries}).encode("utf-8")
            return self._reply(200, data, "application/json")
        return self._reply(404, b'{"error": "unknown control path"}', "application/json")

    # ------------------------------------------------------------------ proxying
    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def _handle(self):
        body = self._read_body()
        if self.path.startswith("/__proxy/"):
            return self._control(body)
        state = self.server.state
        target = self.headers.get("X-Amz-Target") or ""
        if target.startswith("Kinesis_"):
            service, op = "kinesis", target.split(".", 1)[-1]
        else:
            service = "other"
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace")) if body else {}
            op = (form.get("Action") or [self.command])[0]
        m = CREDENTIAL.search(self.headers.get("Authorization") or "")
        key = m.group(1) if m else None
        request_json = None
        if service == "kinesis" and body:
            try:
                request_json = json.loads(body)
            except ValueError:
                request_json = None
        shard = None
        iterator_type = None
        if request_json is not None:
            if op == "GetShardIterator":
                shard = request_json.get("ShardId")
                iterator_type = request_json.get("ShardIteratorType")
            elif op == "GetRecords":
                it = (request_json.get("ShardIterator") or "").strip()
                with state.lock:
                    shard = state.iterator_shard.get(it)
        entry = {"t": time.time(), "op": op, "key": key, "shard": shard, "fault": None, "status": None}
        if iterator_type:
            entry["iteratorType"] = iterator_type
        state.add_log(entry)  # now: a delayed answer is in the log before it is sent

        rule = state.pick(op, service, shard)
        kind = rule["fault"] if rule else None
        try:
            if kind == "expired-token":
                if key is not None and state.key_expired(rule, key):
                    entry.update(fault=kind, status=400)
                    return self._reply(400, json_error("ExpiredTokenException", "The security token included in the request is expired"))
                kind = None
            if kind == "throttle":
                entry.update(fault=kind, status=400)
                return self._reply(400, json_error("ProvisionedThroughputExceededException",
                                                   f"Rate exceeded for shard {shard or 'unknown'} (injected by the fault proxy)."))
            if kind == "expired-iterator":
                entry.update(fault=kind, status=400)
                return self._reply(400, json_error("ExpiredIteratorException",
                                                   "Iterator expired. The iterator was created at time X while right now it is Y which is further in the future than 5 minutes after."))
            if kind == "error":
                status = int(rule.get("status", 400))
                entry.update(fault=kind, status=status)
                return self._reply(status, json_error(rule.get("errorType", "InternalFailure"), rule.get("message", "injected")))
            if kind == "status":
                status = int(rule.get("status", 500))
                entry.update(fault=kind, status=status)
                return self._reply(status, rule.get("body", "").encode("utf-8"), rule.get("contentType"))
            if kind == "drop":
                entry.update(fault=kind, status=0)
                return self._reset()

            forward_body = body
            put_plan = None
            if kind == "reject-put" and op == "PutRecords" and request_json is not None:
                put_plan = self._plan_put(rule, request_json)
                entry.update(fault=kind, entries=len(put_plan["all"]), rejected=len(put_plan["rejected"]),
                             accepted=[d for d, _ in put_plan["accepted"]])
                if not put_plan["accepted"]:
                    merged = self._merge_put(put_plan, [])
                    entry["status"] = 200
                    return self._reply(200, json.dumps(merged).encode("utf-8"))
                forward = dict(request_json)
                forward["Records"] = [r for _, r in put_plan["accepted"]]
                forward_body = json.dumps(forward).encode("utf-8")
            elif op == "PutRecords" and request_json is not None:
                entry["entries"] = len(request_json.get("Records") or [])
            page = state.page_size
            if op == "GetRecords" and page and request_json is not None:
                forward = dict(request_json)
                forward["Limit"] = min(int(forward.get("Limit") or 10000), int(page))
                forward_body = json.dumps(forward).encode("utf-8")

            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["Content-Length"] = str(len(forward_body))
            try:
                status, reason, resp_headers, data = self.server.upstream.send(self.command, self.path, headers, forward_body)
            except (OSError, http.client.HTTPException) as e:
                entry.update(status=0, upstreamError=type(e).__name__)
                return self._reset()
            entry["status"] = status

            if status == 200 and service == "kinesis" and op in ("GetShardIterator", "GetRecords"):
                data = self._learn_and_page(op, shard, data, page, entry)
            if put_plan is not None and status == 200:
                merged = self._merge_put(put_plan, json.loads(data).get("Records", []))
                data = json.dumps(merged).encode("utf-8")
            # Content-Type is sent on its own; Server and Date come from this proxy's send_response.
            out_headers = [(k, v) for k, v in resp_headers if k.lower() not in HOP_BY_HOP and k.lower() not in ("content-type", "server", "date")]
            content_type = next((v for k, v in resp_headers if k.lower() == "content-type"), None)

            if kind == "reset":
                entry.update(fault=kind)
                self.send_response(status, reason)
                if content_type:
                    self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: max(1, len(data) // 2)])
                return self._reset()
            if kind == "delay":
                entry.update(fault=kind)
                time.sleep(float(rule.get("seconds", 5)))
            self.send_response(status, reason)
            if content_type:
                self.send_header("Content-Type", content_type)
            for k, v in out_headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            entry["clientGone"] = True
            self.close_connection = True

    def _learn_and_page(self, op, shard, data, page, entry):
        state = self.server.state
        try:
            answer = json.loads(data)
        except ValueError:
            return data
        with state.lock:
            if op == "GetShardIterator" and answer.get("ShardIterator") and shard:
                state.iterator_shard[answer["ShardIterator"].strip()] = shard
            if op == "GetRecords" and answer.get("NextShardIterator") and shard:
                state.iterator_shard[answer["NextShardIterator"].strip()] = shard
        if op == "GetRecords":
            records = answer.get("Records") or []
            entry["records"] = len(records)
            if page and len(records) >= int(page) and not (answer.get("MillisBehindLatest") or 0):
                answer["MillisBehindLatest"] = 1000  # a full page: more may follow
                return json.dumps(answer).encode("utf-8")
        return data

    def _plan_put(self, rule, request_json):
        state = self.server.state
        plan = {"all": [], "accepted": [], "rejected": set()}
        for i, r in enumerate(request_json.get("Records") or []):
            try:
                data = base64.b64decode(r.get("Data") or "")
            except ValueError:
                data = b""
            digest = hashlib.sha1(data + b"\0" + (r.get("PartitionKey") or "").encode("utf-8")).hexdigest()[:16]
            plan["all"].append(digest)
            if state.reject_entry(rule, digest, data):
                plan["rejected"].add(i)
            else:
                plan["accepted"].append((digest, r))
        return plan

    @staticmethod
    def _merge_put(plan, upstream_results):
        results, failed, k = [], 0, 0
        for i in range(len(plan["all"])):
            if i in plan["rejected"]:
                failed += 1
                results.append({"ErrorCode": "ProvisionedThroughputExceededException",
                                "ErrorMessage": "Rate exceeded for shard (injected by the fault proxy)."})
            else:
                r = upstream_results[k] if k < len(upstream_results) else {"ErrorCode": "InternalFailure", "ErrorMessage": "missing"}
                k += 1
                if r.get("ErrorCode"):
                    failed += 1
                results.append(r)
        return {"FailedRecordCount": failed, "Records": results}


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--upstream", required=True, help="http://127.0.0.1:PORT of the emulator")
    p.add_argument("--port", type=int, required=True, help="port to listen on (127.0.0.1)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--rules", default=None, help="initial configuration, as the /__proxy/rules body")
    p.add_argument("--max-seconds", type=float, default=1800, help="exit after this long whatever happens")
    args = p.parse_args()
    server = Server(("127.0.0.1", args.port), Handler)
    server.state = State(args.seed)
    server.upstream = Upstream(args.upstream)
    if args.rules:
        server.state.configure(json.loads(args.rules))
    # A proxy left behind by a crashed test run must not live forever.
    timer = threading.Timer(args.max_seconds, server.shutdown)
    timer.daemon = True
    timer.start()
    print(json.dumps({"port": args.port, "upstream": args.upstream}), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
