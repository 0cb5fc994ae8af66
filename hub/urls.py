"""hub's pages under the URL namespaces they are known by: groups:* for the group and
activity pages (mounted at n/<network>/groups/) and members:* for the directory and
profiles (mounted at n/<network>/members/), and referrals:* for the referral pages (mounted at
n/<network>/referrals/). Each is a (patterns, namespace) pair that
config/urls.py includes.
"""

from django.urls import path

from hub import referral_views, views

group_patterns = [
    path("", views.group_list, name="list"),
    path("new/", views.group_create_view, name="create"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/counts/", views.activity_counts, name="activity_counts"),
    path("activities/<id:activity_id>/", views.activity_detail, name="activity"),
    path("activities/<id:activity_id>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<id:activity_id>/delete/", views.activity_delete_view, name="activity_delete"),
    path("<slug:group_slug>/", views.group_detail, name="detail"),
    path("<slug:group_slug>/edit/", views.group_edit, name="edit"),
    path("<slug:group_slug>/members/add/", views.member_add_view, name="member_add"),
    path(
        "<slug:group_slug>/members/<id:membership_id>/remove/",
        views.member_remove_view,
        name="member_remove",
    ),
    path(
        "<slug:group_slug>/members/<id:membership_id>/role/", views.member_role, name="member_role"
    ),
    path("<slug:group_slug>/invite/", views.invite, name="invite"),
    path(
        "<slug:group_slug>/invitations/<id:invitation_id>/withdraw/",
        views.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path("<slug:group_slug>/activities/new/", views.activity_create, name="activity_create"),
]

member_patterns = [
    path("", views.members, name="list"),
    path("search/", views.people_search, name="search"),
    path("<id:user_id>/", views.member, name="detail"),
    path("<id:user_id>/edit/", views.member_edit, name="edit"),
]

referral_patterns = [
    path("", referral_views.my_referrals, name="mine"),
    path("privacy/", referral_views.privacy, name="privacy"),
    path("clients/<id:client_id>/erase/", referral_views.client_erase_view, name="client_erase"),
    path("g/<slug:group_slug>/", referral_views.board, name="board"),
    path("g/<slug:group_slug>/new/", referral_views.referral_new, name="new"),
    path("g/<slug:group_slug>/follow-up/", referral_views.follow_up_settings, name="follow_up"),
    path("<id:referral_id>/", referral_views.referral_detail, name="detail"),
    path("<id:referral_id>/move/", referral_views.referral_move_view, name="move"),
    path("<id:referral_id>/touchpoints/", referral_views.touchpoint_create, name="touchpoint"),
    path("<id:referral_id>/feedback/", referral_views.feedback_create, name="feedback"),
    path(
        "<id:referral_id>/feedback-link/", referral_views.feedback_link_view, name="feedback_link"
    ),
    path("<id:referral_id>/consent/", referral_views.consent_create, name="consent"),
    path("<id:referral_id>/correct/", referral_views.referral_correct_view, name="correct"),
]

groups = (group_patterns, "groups")
members = (member_patterns, "members")
referrals = (referral_patterns, "referrals")
