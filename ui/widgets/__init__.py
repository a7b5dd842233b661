"""Widgets the screens share: camera preview, touch keyboard, action icons, PIN pad."""
