# The menu on every signed-in page reads the unread-notification count (notifications'
# `main_menu` tag); whether it shows "Referrals" comes from what the access check read: the
# person's own groups, and for an organiser whether the network has an active CNG.
MENU = 1
