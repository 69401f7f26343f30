"""A captionbot of one's own: a local web page that captions a picture and shows why.

    python -m captioner serve [--checkpoint FILE] [--weights PTH] [--port 8000]

captioner.web.uploads   an uploaded picture's bytes, decoded within limits or refused in one line
captioner.web.scenes    a scene drawn on the page, placed and rendered by the synthetic world itself
captioner.web.explain   a picture's caption and why: probabilities, beam alternatives, gates, attention
captioner.web.service   the model behind the page, one request at a time; what the page may ask of it
captioner.web.server    the HTTP server (127.0.0.1 only), its JSON API and the `serve` command
captioner.web.static    the page: index.html, app.js, style.css, nothing loaded from elsewhere
"""
