"""Send-out and reminders: one message per department, as .eml drafts or through SMTP.

``message`` writes a message's words (pure, in the programme's language); ``plan`` decides
who gets which message from the register's state (pure); ``smtp`` sends; ``run`` is
``roundtrip mail``: it finds the attachments, writes the drafts or sends, and records in the
register what went out. May import collect, returns, register, programme and below.
"""
