#!/usr/bin/env python3
"""A scripted OpenAI-compatible chat-completions server for tests (real HTTP on loopback).

Usage: scripted_openai.py PORT_FILE SCRIPT_JSON LOG_JSONL

Binds 127.0.0.1 on a free port and writes the port to PORT_FILE. Every POST to
/v1/chat/completions is appended to LOG_JSONL as {"headers": {...}, "body": {...}} and answered by
the next step of the script (the last step repeats once the script is used up). A step is one of:
  {"content": "...", "prompt_tokens": 100, "completion_tokens": 20}   a chat completion
  {"content": "...", "finish_reason": "length"}                        one cut off at max_tokens
  {"status": 429} / {"status": 500}                                    an HTTP error
  {"delay": 2.0, "content": "..."}                                      a slow reply
  {"huge": 3000000}                                                     a 200 with a body of that many bytes
  {"raw": "text"}                                                       a 200 whose body is not JSON
"""
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# A parent's blocked signals are inherited: unblock them so that SIGTERM stops this server.
signal.pthread_sigmask(signal.SIG_UNBLOCK, set(signal.Signals))
port_file, script_file, log_file = sys.argv[1:4]
with open(script_file) as f:
    script = json.load(f)
lock = threading.Lock()
position = [0]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(length)
        with lock:
            step = script[min(position[0], len(script) - 1)]
            position[0] += 1
            with open(log_file, "a") as log:
                log.write(json.dumps({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)}) + "\n")
        if step.get("delay"):
            time.sleep(step["delay"])
        if "status" in step:
            payload = json.dumps({"error": {"message": "scripted %d" % step["status"]}}).encode()
            self.reply(step["status"], payload)
        elif "huge" in step:
            self.reply(200, b"x" * step["huge"])
        elif "raw" in step:
            self.reply(200, step["raw"].encode())
        else:
            payload = {
                "id": "scripted", "object": "chat.completion", "model": "scripted",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": step["content"]},
                             "finish_reason": step.get("finish_reason", "stop")}],
                "usage": {"prompt_tokens": step.get("prompt_tokens", 100), "completion_tokens": step.get("completion_tokens", 20),
                          "total_tokens": step.get("prompt_tokens", 100) + step.get("completion_tokens", 20)},
            }
            self.reply(200, json.dumps(payload).encode())

    def reply(self, status, payload):
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
