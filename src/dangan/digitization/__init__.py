"""Digitization (数字化): DA/T 31 batches and image quality control, Chinese OCR with ALTO output, and the IIIF
Presentation and Content Search services over digitized units. Images themselves are served by
``dangan.preservation.iiif`` (the IIIF Image API), which every app that shows images shares."""
