# The menu on every signed-in page reads the unread-notification count (notifications'
# `menu_extras` tag); whether it shows "Referrals" comes from the person's own groups, which
# the access check has read, and an organiser's menu asks the network for a CNG.
MENU = 1
ORGANISER_MENU = MENU + 1
# The network switcher reads the person's networks only when they belong to more than one
# (the access check counts them): none of these pages' queries is the switcher's.
