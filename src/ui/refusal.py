"""What the UI says when it cannot do what it was asked: one kind of exception for every
handler, so that every refusal reads the same way.

Gradio's own `gr.Error` is titled « Error » and prints its traceback to the log: a person's
typing mistake is not a fault of the service, and the traceback would copy the values they
typed (pydantic's message quotes them) into a log that operators share. A refusal is shown in
French, titled in French, and leaves the log to the access line and the audit trail.
"""

import gradio as gr


class Refusal(gr.Error):
    """A French message for the person, under a French title, with no traceback logged."""

    def __init__(self, message: str, title: str = "Action impossible") -> None:
        super().__init__(message, title=title, print_exception=False)


class AuditedRefusal(Refusal):
    """A read refused for a reason the audit trail records (an unknown id: 404)."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
