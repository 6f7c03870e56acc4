"""The stock-photo gallery of the design's use case: a site that signs Signet URLs.

Free users see watermarked thumbnails; paid users also get a link to the original
that expires after an hour. Run it beside Signet with `python -m examples.gallery`.
"""
