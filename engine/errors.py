"""Errors a user can act on. The CLI prints them as one line and exits with code 2."""


class EnclaveError(Exception):
    """Bad input or an unusable environment, with a message meant for the user."""


class DeviceUnavailable(EnclaveError):
    """The requested device (e.g. `--device cuda`) cannot run."""


class ModelInvalid(EnclaveError):
    """A model folder fails validation (missing file, checksum, bad manifest)."""


class Cancelled(EnclaveError):
    """A job was cancelled by the user; nothing it started is left half-written."""
