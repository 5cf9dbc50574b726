"""The feedback inbox's views, one per module: the list with its filter bar and bulk edits
(`listing`), one item (`detail`), adding feedback by hand or from a file (`intake`) and the inbox's
figures (`figures`), with the words they share for statuses, priorities, levels, sentiments and
themes (`labels`). A view is given what it shows and returns what the person chose; the page reads
and writes the stores (feedback/, through ui/data.py). Member-written text is only ever shown
through st.text, st.dataframe / st.data_editor cells and plain(): never as markdown or HTML."""

# The container of the list's first filters (listing.inbox_filter_bar): ui.page's layout narrows
# them on a phone, and may not import listing (which reads ui.page's run count through ui.selection).
INBOX_FILTERS_KEY = "feedback_filter_bar"
VIEWS_ROW_KEY = "feedback_views_row"  # the saved views' menu and buttons (views.view_bar): one row on a phone
