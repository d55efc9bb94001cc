"""A minimal OpenID Connect provider on a local HTTP server thread, for the single sign-on tests.

It does what an agency's identity provider does in the authorization code flow, for real: it
checks the client, the redirect address and PKCE, issues an ID token signed with a fresh RSA key
(RS256) and publishes the public half as a JWKS, and answers the user-info endpoint for the access
token it gave. The person it signs in, and what their ID token says (`amr`, `aud`, ...), are set by
the test; nothing of the service's own code is replaced.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

CLIENT_ID = "safer-options"
CLIENT_SECRET = "client-secret-for-tests"


class Provider:
    def __init__(self) -> None:
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.published_key = self.signing_key  # a test may publish another key than the one that signs
        self.person: dict[str, Any] = {}  # the user-info claims of whoever signs in at the provider next
        self.id_token_claims: dict[str, Any] = {}  # added to (or replacing) the ID token's claims
        self._codes: dict[str, dict[str, Any]] = {}
        self._access_tokens: dict[str, dict[str, Any]] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def settings(self) -> dict[str, Any]:
        """The service's settings for this provider."""
        return {
            "OIDC_OP_ISSUER": self.issuer,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.issuer}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.issuer}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.issuer}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.issuer}/jwks",
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
        }

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # The endpoints ---------------------------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return 400, {}, b"unknown client"
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return 400, {}, b"PKCE required"
        code = secrets.token_urlsafe(16)
        self._codes[code] = {**query, "person": dict(self.person)}
        back = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
        return 302, {"Location": back}, b""

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        grant = self._codes.pop(form.get("code", ""), None)  # a code is used once
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET)
            or form.get("redirect_uri") != grant["redirect_uri"]
            or challenge != grant["code_challenge"]
        ):
            return 400, {"Content-Type": "application/json"}, b'{"error": "invalid_grant"}'
        person = grant["person"]
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": person["sub"],
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant.get("nonce"),
            **self.id_token_claims,
        }
        id_token = jwt.encode(claims, self.signing_key, algorithm="RS256", headers={"kid": "test-key"})
        access_token = secrets.token_urlsafe(16)
        self._access_tokens[access_token] = person
        body = {"access_token": access_token, "token_type": "Bearer", "id_token": id_token, "expires_in": 300}
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()

    def jwks(self) -> tuple[int, dict[str, str], bytes]:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.published_key.public_key(), as_dict=True)
        keys = {"keys": [{**jwk, "kid": "test-key", "alg": "RS256", "use": "sig"}]}
        return 200, {"Content-Type": "application/json"}, json.dumps(keys).encode()

    def userinfo(self, authorization: str) -> tuple[int, dict[str, str], bytes]:
        person = self._access_tokens.get(authorization.removeprefix("Bearer "))
        if person is None:
            return 401, {}, b""
        return 200, {"Content-Type": "application/json"}, json.dumps(person).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {key: values[0] for key, values in parse_qs(url.query).items()}
                if url.path == "/authorize":
                    self._answer(*provider.authorize(query))
                elif url.path == "/jwks":
                    self._answer(*provider.jwks())
                elif url.path == "/userinfo":
                    self._answer(*provider.userinfo(self.headers.get("Authorization", "")))
                else:
                    self._answer(404, {}, b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {key: values[0] for key, values in parse_qs(self.rfile.read(length).decode()).items()}
                if urlparse(self.path).path == "/token":
                    self._answer(*provider.token(form))
                else:
                    self._answer(404, {}, b"")

            def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        return Handler
