# The menu on every signed-in page reads the unread-notification count (notifications'
# `main_menu` tag); whether it shows "Referrals" comes from the person's own groups, which
# the access check has read, and an organiser's menu asks the network for a CNG.
MENU = 1
ORGANISER_MENU = MENU + 1
