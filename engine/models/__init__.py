"""Model registry, manifests, export and the embedder."""
