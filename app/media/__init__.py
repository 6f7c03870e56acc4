"""The media library: ImageKit's upload and file API for folder and S3 sources, and the
web console. `app.media.routes` is what `create_app` takes from here."""
