"""Benchmarks: `enclave bench ...`, results written to benchmarks/."""
