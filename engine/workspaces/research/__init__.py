"""Research workspace: a private paper library with hybrid search, cited answers and reports."""
