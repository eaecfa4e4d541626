"""Session factory: provider truth, CUDA -> CPU fallback with a recorded reason."""

import numpy as np
import pytest

from engine.errors import DeviceUnavailable, EnclaveError
from engine.resources import resource_path
from engine.runtime import create_session, default_threads, sessions

MODEL = resource_path("onnx", "selftest.onnx")


def test_cpu_session_runs_and_reports_cpu():
    ms = create_session(MODEL, device="cpu", threads=1)
    assert ms.provider == "CPUExecutionProvider"
    assert ms.fallback_reason is None
    out = ms.run(None, {"x": np.ones((2, 8), np.float32)})[0]
    assert out.shape == (2, 8) and (out >= 0).all()


def test_auto_on_a_cpu_only_build_falls_back_with_reason(monkeypatch):
    monkeypatch.setattr(sessions, "available_providers", lambda: ["CPUExecutionProvider"])
    ms = create_session(MODEL, device="auto")
    assert ms.provider == "CPUExecutionProvider"
    assert "no CUDA provider" in ms.fallback_reason


def test_auto_when_cuda_is_listed_but_silently_unused(monkeypatch):
    # onnxruntime-gpu lists CUDA even without a GPU, then runs on CPU: the session tells.
    monkeypatch.setattr(sessions, "available_providers",
                        lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    ms = create_session(MODEL, device="auto")
    assert ms.provider == "CPUExecutionProvider"
    assert "runs on CPUExecutionProvider" in ms.fallback_reason


def test_auto_when_cuda_session_creation_fails(monkeypatch):
    monkeypatch.setattr(sessions, "available_providers",
                        lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    real_build = sessions._build

    def failing_build(path, providers, threads, self_test, *rest):
        if "CUDAExecutionProvider" in providers:
            raise RuntimeError("CUDA failure 100: no CUDA-capable device is detected\nmore")
        return real_build(path, providers, threads, self_test, *rest)

    monkeypatch.setattr(sessions, "_build", failing_build)
    ms = create_session(MODEL, device="auto")
    assert ms.provider == "CPUExecutionProvider"
    assert ms.fallback_reason == "CUDA session failed: CUDA failure 100: no CUDA-capable device is detected"


def test_auto_when_cuda_self_test_fails(monkeypatch):
    monkeypatch.setattr(sessions, "available_providers",
                        lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    calls = []
    real_self_test = sessions._self_test

    def flaky_self_test(session):
        calls.append(session.get_providers())
        if len(calls) == 1:
            raise RuntimeError("self-test produced non-finite values")
        real_self_test(session)

    monkeypatch.setattr(sessions, "_self_test", flaky_self_test)
    ms = create_session(MODEL, device="auto")
    assert ms.provider == "CPUExecutionProvider"
    assert "non-finite" in ms.fallback_reason
    assert len(calls) == 2  # the CPU session was self-tested too


def test_cuda_requested_without_cuda_fails_loudly(monkeypatch):
    monkeypatch.setattr(sessions, "available_providers", lambda: ["CPUExecutionProvider"])
    with pytest.raises(DeviceUnavailable, match="--device cuda cannot run"):
        create_session(MODEL, device="cuda")


def test_cpu_never_touches_cuda(monkeypatch):
    def boom():
        raise AssertionError("cpu must not even ask about CUDA")

    monkeypatch.setattr(sessions, "available_providers", boom)
    assert create_session(MODEL, device="cpu").provider == "CPUExecutionProvider"


def test_bad_inputs_give_clear_errors(tmp_path):
    with pytest.raises(EnclaveError, match="not found"):
        create_session(tmp_path / "missing.onnx")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"this is not an onnx file")
    with pytest.raises(EnclaveError, match="cannot load ONNX model"):
        create_session(broken, device="cpu")
    with pytest.raises(EnclaveError, match="unknown device"):
        create_session(MODEL, device="tpu")


def test_threads_default_to_physical_cores_and_are_configurable():
    assert default_threads() >= 1
    assert create_session(MODEL, device="cpu").threads == default_threads()
    ms = create_session(MODEL, device="cpu", threads=1)
    assert ms.threads == 1
    assert ms.session.get_session_options().intra_op_num_threads == 1


def test_threads_come_from_the_environment_setting(monkeypatch):
    monkeypatch.setenv("ENCLAVE_THREADS", "1")
    assert default_threads() == 1
    monkeypatch.setenv("ENCLAVE_THREADS", "nonsense")
    assert default_threads() >= 1


def test_self_test_sizes_kv_cache_inputs_consistently():
    # optimum's KV-cache exports name the mask length "past_sequence_length + sequence_length"
    assert sessions._dim("past_sequence_length + sequence_length") == 2
    assert sessions._dim("batch_size") == 1 and sessions._dim(3) == 3 and sessions._dim(None) == 1
