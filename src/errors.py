"""Domain errors of the attrition service; each subclasses the builtin that says its kind."""


class ExtractError(ValueError):
    """A raw HR extract cannot be turned into clean records (missing column, bad value, keys)."""


class ArtifactIntegrityError(ValueError):
    """A model file's sha256 differs from the expected one: it is never unpickled."""


class ArtifactCompatibilityError(ValueError):
    """An intact model file that this code cannot serve: other features, or made by another
    scikit-learn release. Refused like a bad hash, before it answers anything."""


class ModelSelectionError(RuntimeError):
    """No candidate model can be shipped (e.g. the only acceptable one cannot be explained)."""


class UnknownEmployeeError(LookupError):
    """No stored TechNova employee has this id."""


class UnknownPredictionError(LookupError):
    """No stored prediction has this id."""


class DatabaseUnavailableError(ConnectionError):
    """A read needs the database and it is unreachable, or not ready yet (the service started
    without it); predictions do not need it (their traces are spooled meanwhile)."""


class UnknownModelError(LookupError):
    """No registered model has this version."""


class ModelActivationError(RuntimeError):
    """A registered model that cannot be switched to: it serves already, or its files are not
    here."""


class TrainingInProgressError(RuntimeError):
    """A training is queued or running already: one at a time."""


class CannotTrainHereError(RuntimeError):
    """This deployment cannot run the training asked for (the API answers 409)."""


class NoTrainingDataError(CannotTrainHereError):
    """The source asked for has nothing to learn from: no HR extracts (the public Space
    carries none), or no stored employee."""


class ModelStoreNotWritableError(CannotTrainHereError):
    """The model store cannot be written here (a read-only mount): a training could not
    register its model, so it is not started."""


class UnknownTrainingRunError(LookupError):
    """No training run has this id."""
