"""Streamed remote verification (issue 21): a single-use session token made by the integrator's back end, a
WebSocket that receives frames as they are captured, steps revealed one at a time, and the kiosk's colour
flash judged against the server's clock."""
