"""Codes from a two-factor device, as the person's authenticator app would show them."""

import time

from django_otp.oath import TOTP


def app_code(device, steps_ahead: int = 0) -> str:
    """The app's code now, or `steps_ahead` 30-second steps later (the server allows one step of clock drift)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def code_from_secret(secret: str, steps_ahead: int = 0) -> str:
    """The code for the set-up key shown on the page (letters in groups of four), as an app computes it."""
    from base64 import b32decode

    totp = TOTP(b32decode(secret.replace(" ", "")), 30, 0, 6, 0)
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"
