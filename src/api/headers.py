"""Security headers on every answer, the UI's pages and files included.

The Content-Security-Policy lets pages load what they need from this app and nothing from
anywhere else: Gradio's page and the API docs start with inline scripts (Gradio's carries the
page's config, different on every page, so hashes cannot name them), hence 'unsafe-inline'
for scripts and styles, and Gradio's plots (Vega) compile their expressions with `Function`,
hence 'unsafe-eval'; images, media and workers from data: and blob: URLs as the plots
and file previews make them; no plugins, no foreign form targets. The frame policy lets the
Hugging Face Space page (huggingface.co and its *.hf.space hosts) and the app itself embed
it, and nothing else.
"""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS: dict[str, str] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Content-Security-Policy": "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "media-src 'self' data: blob:",
            "worker-src 'self' blob:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'self' https://huggingface.co https://*.hf.space",
        ]
    ),
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
_RAW = [(name.lower().encode(), value.encode()) for name, value in SECURITY_HEADERS.items()]


class SecurityHeaders:
    """ASGI middleware: adds each header an answer does not set itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in _RAW if name not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
