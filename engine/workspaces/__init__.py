"""The domain pipelines: research, marketing, bi, medical."""
