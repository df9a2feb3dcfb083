"""Probe the X display for working OpenGL (GLX), without Kivy.

Run as a separate process (``python -m index.ops.glprobe``) so that a broken driver
can only crash the probe, not the caller. Prints one JSON object:
``{"ok": true, "vendor": ..., "renderer": ..., "version": ...}`` or
``{"ok": false, "error": ...}``; exit status 0 only when a GL context could be
made current and queried.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import sys
from typing import Any

GLX_DRAWABLE_TYPE = 0x8010
GLX_PBUFFER_BIT = 0x0004
GLX_RENDER_TYPE = 0x8011
GLX_RGBA_BIT = 0x0001
GLX_RGBA_TYPE = 0x8014
GLX_PBUFFER_WIDTH = 0x8041
GLX_PBUFFER_HEIGHT = 0x8040
GL_VENDOR = 0x1F00
GL_RENDERER = 0x1F01
GL_VERSION = 0x1F02


def _load(name: str) -> ctypes.CDLL:
    found = ctypes.util.find_library(name)
    if not found:
        raise OSError(f"library lib{name} not found (install libgl1 / libx11-6)")
    return ctypes.CDLL(found)


def probe() -> dict[str, Any]:
    x11 = _load("X11")
    gl = _load("GL")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XDefaultScreen.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x11.XOpenDisplay(None)
    if not display:
        return {"ok": False, "error": "cannot open the X display (is DISPLAY right and the server running?)"}
    try:
        major, minor = ctypes.c_int(), ctypes.c_int()
        gl.glXQueryVersion.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int)]
        if not gl.glXQueryVersion(display, ctypes.byref(major), ctypes.byref(minor)):
            return {"ok": False, "error": "the X server has no GLX extension"}
        screen = x11.XDefaultScreen(display)
        attribs = (ctypes.c_int * 7)(GLX_DRAWABLE_TYPE, GLX_PBUFFER_BIT, GLX_RENDER_TYPE, GLX_RGBA_BIT, 0, 0, 0)
        count = ctypes.c_int()
        gl.glXChooseFBConfig.restype = ctypes.POINTER(ctypes.c_void_p)
        gl.glXChooseFBConfig.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
        configs = gl.glXChooseFBConfig(display, screen, attribs, ctypes.byref(count))
        if not configs or count.value == 0:
            return {"ok": False, "error": "no GLX framebuffer configuration (driver missing?)"}
        fbconfig = configs[0]
        pb_attribs = (ctypes.c_int * 5)(GLX_PBUFFER_WIDTH, 16, GLX_PBUFFER_HEIGHT, 16, 0)
        gl.glXCreatePbuffer.restype = ctypes.c_ulong
        gl.glXCreatePbuffer.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        pbuffer = gl.glXCreatePbuffer(display, fbconfig, pb_attribs)
        gl.glXCreateNewContext.restype = ctypes.c_void_p
        gl.glXCreateNewContext.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
        context = gl.glXCreateNewContext(display, fbconfig, GLX_RGBA_TYPE, None, 1)
        if not context or not pbuffer:
            return {"ok": False, "error": "cannot create an OpenGL context"}
        gl.glXMakeContextCurrent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_void_p]
        if not gl.glXMakeContextCurrent(display, pbuffer, pbuffer, context):
            return {"ok": False, "error": "cannot make the OpenGL context current"}
        gl.glGetString.restype = ctypes.c_char_p
        gl.glGetString.argtypes = [ctypes.c_uint]
        info = {
            "vendor": (gl.glGetString(GL_VENDOR) or b"").decode(errors="replace"),
            "renderer": (gl.glGetString(GL_RENDERER) or b"").decode(errors="replace"),
            "version": (gl.glGetString(GL_VERSION) or b"").decode(errors="replace"),
            "glx": f"{major.value}.{minor.value}",
        }
        gl.glXMakeContextCurrent(display, 0, 0, None)
        gl.glXDestroyContext.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        gl.glXDestroyContext(display, context)
        if not info["version"]:
            return {"ok": False, "error": "OpenGL returned no version string", **info}
        return {"ok": True, **info}
    finally:
        x11.XCloseDisplay(display)


def main() -> int:
    try:
        result = probe()
    except OSError as exc:
        result = {"ok": False, "error": str(exc)}
    print(json.dumps(result, ensure_ascii=False))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
