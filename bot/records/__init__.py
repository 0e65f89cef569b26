"""A class's records, for the school to file: one workbook (attendance summary, sign-in
sheet, leave register, ratings, audit trail) and a training file (培训档案) per trainee.

Modules: model (what every record is built from, read once), workbook (the .xlsx, streamed),
files (the .docx training files, streamed by trainee), export (to a folder or as documents),
report (an instructor's report for their home unit). No ``telegram`` here: the command
line and the chat (handlers/records/) both use it.
"""
