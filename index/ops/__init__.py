"""Operations: what technicians and staff use to keep a terminal healthy.

``health`` (``kiosk doctor``, ``kiosk metrics``), ``fleet`` (every terminal's status
file), ``glprobe`` (the OpenGL probe, run as a child process), ``fonts`` (finding the
Chinese font) and ``adminpin`` (the staff PIN). None of it is the search index.
"""
