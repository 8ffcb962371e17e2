"""How a test reads what a roundtrip it ran as a new process printed.

The child writes in the console encoding it was given (PYTHONIOENCODING, inherited: cp1252
when the suite runs in the Windows emulation), so the test decodes with the same one.
"""

import os

ENCODING = (os.environ.get("PYTHONIOENCODING") or "utf-8").split(":")[0]
