# The menu on every signed-in page reads the unread-notification count and whether the
# "Referrals" entry shows, in one query (notifications' `menu_extras` tag).
MENU = 1
