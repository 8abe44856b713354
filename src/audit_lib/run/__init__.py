"""Running the review: papermill execution, rendering, index, manifest, publishing."""
