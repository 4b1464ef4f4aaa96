"""Two-way "you said, we did" updates: subscriptions, composing, delivery, replies, numbers.

People choose whether and about what they hear back (``/updates``); staff compose an update
(dashboard or ``python -m bot updates new``); :mod:`bot.updates.fanout` turns a due update
into one outbox row per person; :mod:`bot.updates.sender` delivers the rows under Telegram's
limits, outside quiet hours, exactly once across restarts; buttons and written replies come
back as voice (:mod:`bot.updates.replies`); staff answer from an inbox without ever seeing
who wrote; :mod:`bot.updates.numbers` counts what happened, small numbers hidden.
"""
