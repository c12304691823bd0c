"""The baseline of the load benchmark: a FastAPI endpoint that does nothing but parse and answer."""

from fastapi import FastAPI


def create_bare_app() -> FastAPI:
    app = FastAPI()

    @app.post("/predict")
    def predict(body: dict) -> dict:
        return {"prediction": "Reste", "fields": len(body)}

    return app
