"""One module per workspace tab."""
