"""Everything readers see: texts (sv/en), number formats, display helpers, results, rendering."""
